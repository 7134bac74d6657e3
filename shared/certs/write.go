package certs

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A fileWrite is one file of a group that must land together.
type fileWrite struct {
	path string
	data []byte
	perm fs.FileMode
}

// renameFile is os.Rename, replaceable by tests that need a rename to fail
// half-way through a group.
var renameFile = os.Rename

// writeFiles writes a group of files (a key and its certificate) so that an
// error leaves either all the old files or all the new ones:
//
//  1. check every target: with replace false an existing file is an error
//     (fs.ErrExist) before anything is written; a folder is always one;
//  2. write each file completely to a temporary file in the target's own
//     folder (rename is atomic only within one file system), fsync it and
//     give it its final mode (os.CreateTemp makes it 0600 from the start,
//     so a key is never readable by others, even while half-written);
//  3. rename the temporary files over the targets one by one, keeping a
//     hard link to each old file, so that if a later rename fails the
//     earlier ones are undone from those links.
//
// The remaining window: a crash (not an error) between two renames in step
// 3 leaves the new key beside the old certificate. crypto/tls then refuses
// the pair ("private key does not match public key"), and EnsureDevPair
// notices the mismatch and issues a fresh pair. On a file system without
// hard links, step 3 cannot undo a rename, and says so in its error.
func writeFiles(files []fileWrite, replace bool) (err error) {
	for _, f := range files {
		fi, err := os.Lstat(f.path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("certs: writing %s: %w", f.path, err)
		case fi.IsDir():
			return fmt.Errorf("certs: writing %s: is a folder", f.path)
		case !replace:
			return fmt.Errorf("certs: writing %s: %w", f.path, fs.ErrExist)
		}
	}

	temps := make([]string, len(files))
	defer func() {
		// After a successful rename the temporary name is gone and Remove
		// fails harmlessly; after an error this deletes what is left.
		for _, t := range temps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		if temps[i], err = stage(f); err != nil {
			return err
		}
	}
	return commit(files, temps)
}

// stage writes f to a synced temporary file beside f.path and returns its name.
func stage(f fileWrite) (string, error) {
	dir, base := filepath.Split(f.path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("certs: writing %s: %w", f.path, err)
	}
	name := tmp.Name()
	_, err = tmp.Write(f.data)
	if err == nil {
		err = tmp.Chmod(f.perm)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("certs: writing %s: %w", f.path, err)
	}
	return name, nil
}

// commit renames each temporary file over its target, undoing the earlier
// renames if a later one fails.
func commit(files []fileWrite, temps []string) error {
	backups := make([]string, 0, len(files))
	undo := func() error {
		var errs []error
		for i := len(backups) - 1; i >= 0; i-- {
			var err error
			switch backups[i] {
			case "": // there was no old file: remove the new one
				err = os.Remove(files[i].path)
			case noBackup:
				err = fmt.Errorf("%s: the old file could not be kept (no hard links here)", files[i].path)
			default:
				err = renameFile(backups[i], files[i].path)
			}
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}
	for i, f := range files {
		backup, err := linkBackup(f.path)
		if err != nil {
			undo()
			return fmt.Errorf("certs: writing %s: %w", f.path, err)
		}
		if err := renameFile(temps[i], f.path); err != nil {
			if backup != "" && backup != noBackup {
				os.Remove(backup)
			}
			err = fmt.Errorf("certs: writing %s: %w", f.path, err)
			if uerr := undo(); uerr != nil {
				return fmt.Errorf("%w; restoring the files written before it also failed: %v", err, uerr)
			}
			return err
		}
		backups = append(backups, backup)
	}
	for _, b := range backups {
		if b != "" && b != noBackup {
			os.Remove(b)
		}
	}
	syncDirs(files)
	return nil
}

// noBackup marks an old file that could not be kept (no hard links on this
// file system); undoing its rename then fails instead of deleting it.
const noBackup = "\x00"

// linkBackup hard-links the file at path, if any, to a fresh hidden name
// beside it and returns that name ("" when there is no old file).
func linkBackup(path string) (string, error) {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	dir, base := filepath.Split(path)
	backup := filepath.Join(dir, "."+base+".old-"+hex.EncodeToString(r[:]))
	if err := os.Link(path, backup); err != nil {
		return noBackup, nil
	}
	return backup, nil
}

// syncDirs fsyncs the folders of files, so the renames survive a power
// loss. It is best effort: the new files are already in place, and
// reporting an error now would wrongly suggest they are not.
func syncDirs(files []fileWrite) {
	seen := make(map[string]bool)
	for _, f := range files {
		dir := filepath.Dir(f.path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
}
