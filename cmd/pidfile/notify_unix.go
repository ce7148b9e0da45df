//go:build unix

package main

import "net"

// sendNotify sends one datagram to the sd_notify socket addr (@ for the
// abstract namespace).
func sendNotify(addr, msg string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(msg))
	return err
}
