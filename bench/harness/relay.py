#!/usr/bin/env python3
"""Timestamping TCP relay (a bench-only middlebox in front of the S3 endpoint): forwards bytes unchanged both ways
and logs `<unix time> <connection> <bytes>` for the first client-to-server read of every burst (a read after 100 ms
of silence on that connection). TLS passes through untouched, so the first byte of a request is seen even over
HTTPS. Usage: relay.py LISTEN_PORT TARGET_PORT LOG_FILE  (both on 127.0.0.1)."""

import socket
import sys
import threading
import time


def pump(src, dst, conn_id, log, lock):
    last = 0.0
    try:
        while True:
            data = src.recv(1 << 16)
            if not data:
                break
            now = time.time()
            if log is not None and now - last > 0.1:
                with lock:
                    log.write(f"{now:.6f} {conn_id} {len(data)}\n")
                    log.flush()
            last = now
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    listen_port, target_port, log_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    log, lock = open(log_path, "a"), threading.Lock()
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(128)
    conn_id = 0
    while True:
        client, _ = srv.accept()
        conn_id += 1
        upstream = socket.create_connection(("127.0.0.1", target_port))
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump, args=(client, upstream, conn_id, log, lock), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, conn_id, None, lock), daemon=True).start()


if __name__ == "__main__":
    main()
