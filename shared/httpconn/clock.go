package httpconn

import "sync/atomic"

// clock is a logical clock shared by every connection: a counter that only
// goes up. Reading it orders events across goroutines the way a wall clock
// would, without the cost or the ties of one.
var clock atomic.Uint64

// Tick reads the clock and moves it on, so every reading is new: a reading
// taken before some work is smaller than any reading taken after it.
//
// Handlers use it with ResponseWriter.Arrived. A check made after the
// reading t (a stat(2) of a file, say) saw the world as it was after every
// request whose Arrived is below t had fully arrived, so it answers for
// those requests too: answering them as of that moment is as if they had
// been served then. This is how pipelined requests for one cached file
// share a single stat (see package static).
func Tick() uint64 { return clock.Add(1) }

// Arrived is a clock reading taken after the last byte of the request was
// read from the connection (see Tick).
func (w *ResponseWriter) Arrived() uint64 { return w.arrived }
