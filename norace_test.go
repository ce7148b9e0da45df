//go:build !race

package pidfile

const raceEnabled = false
