//go:build !race && linux

package pidfile

const raceEnabled = false
