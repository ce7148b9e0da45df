//go:build unix

package ready

import "net"

// Send sends one datagram to the sd_notify socket addr (@ for the
// abstract namespace).
func Send(addr, msg string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}
