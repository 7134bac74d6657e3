package server

// Version is lisod's version, the one place it is written: --version prints
// it, the start-up log records it, and HTTP answers carry it in their
// Server field ("Liso/1.0").
const Version = "1.0"

// Name is how lisod names itself to clients: the Server field of every
// HTTP answer, and the signature of its error pages.
const Name = "Liso/" + Version
