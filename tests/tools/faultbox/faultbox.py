#!/usr/bin/env python3
"""faultbox: a fault-injecting HTTP/1.1 middlebox for dsync's S3 tests (a test fake, named as such).

It listens on 127.0.0.1, forwards requests to a real S3 server (Ceph RGW over plain HTTP) and, following a
deterministic schedule, breaks some of them the ways real networks and servers do. Everything it does not
break reaches the real server unchanged, so an upload through it must still end stored, verified and
byte-exact.

Schedule: comma-separated OPERATION#N=FAULT, where N counts requests of that S3 operation in arrival order
(1-based), e.g. "UploadPart#2=503,UploadPart#3=reset,UploadPart#4=stall,CompleteMultipartUpload#1=drop_response".

Faults:
  503             read the request, answer 503 SlowDown (not forwarded)
  500             read the request, answer 500 InternalError (not forwarded)
  403             read the request, answer 403 AccessDenied (not forwarded)
  reset           read half the request body, then reset the client connection (TCP RST)
  stall           read half the request body, then stop reading and hold the connection open
  stall_response  forward the request (the server acts on it), withhold the answer, hold the connection
  drop_response   forward the request (the server acts on it), then reset instead of answering
  corrupt         forward the request with one body byte flipped (as a bad NIC or proxy would); the
                  server's integrity check must refuse it

Each request is logged as one JSON line (op, ordinal, part number, fault, client connection number) to
--log, so tests can assert that the faults they asked for really happened and how connections were reused.
"""
import argparse
import asyncio
import json
import os
import socket
import struct
import sys
import urllib.parse

CHUNK = 64 * 1024
ERRORS = {
    "503": (503, "Service Unavailable", "SlowDown", "Please reduce your request rate."),
    "500": (500, "Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
    "403": (403, "Forbidden", "AccessDenied", "Access Denied"),
}
FAULTS = set(ERRORS) | {"reset", "stall", "stall_response", "drop_response", "corrupt"}


def parse_schedule(text):
    schedule = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        target, fault = item.split("=", 1)
        op, ordinal = target.split("#", 1)
        if fault not in FAULTS:
            raise SystemExit(f"faultbox: unknown fault {fault!r}")
        schedule[(op, int(ordinal))] = fault
    return schedule


def classify(method, target):
    """The S3 operation a request is, from its method and query (path-style addressing)."""
    url = urllib.parse.urlsplit(target)
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    is_bucket = url.path.strip("/").count("/") == 0
    if "uploadId" in query:
        return {"PUT": "UploadPart", "POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload",
                "GET": "ListParts"}.get(method, method)
    if "uploads" in query:
        return "CreateMultipartUpload" if method == "POST" else "ListMultipartUploads"
    if is_bucket:
        return {"HEAD": "HeadBucket", "GET": "ListObjectsV2"}.get(method, method)
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(
        method, method)


def part_number(target):
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
    return int(query["partNumber"][0]) if "partNumber" in query else None


async def read_head(reader):
    """Bytes of a request or response head including the blank line; None at a clean EOF."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise
        return None


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return first, headers


async def pipe_exact(reader, writer, n, flip_at=None):
    """Copies n body bytes; flips the bits of the byte at offset `flip_at` on the way."""
    offset = 0
    while offset < n:
        data = await reader.read(min(CHUNK, n - offset))
        if not data:
            raise ConnectionError("peer closed mid-body")
        if flip_at is not None and offset <= flip_at < offset + len(data):
            data = bytearray(data)
            data[flip_at - offset] ^= 0xFF
            data = bytes(data)
        if writer is not None:
            writer.write(data)
            await writer.drain()
        offset += len(data)


async def read_chunked(reader):
    """The raw bytes of a chunked body, framing included."""
    out = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        out += size_line
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            while True:  # trailers, then the blank line
                line = await reader.readuntil(b"\r\n")
                out += line
                if line == b"\r\n":
                    return bytes(out)
        out += await reader.readexactly(size + 2)


async def read_response(reader, method):
    """(head, body, close) of the upstream answer to one request."""
    head = await read_head(reader)
    if head is None:
        raise ConnectionError("upstream closed")
    status_line, headers = parse_head(head)
    status = int(status_line.split()[1])
    close = headers.get("connection", "").lower() == "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head, b"", close
    if "content-length" in headers:
        return head, await reader.readexactly(int(headers["content-length"])), close
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return head, await read_chunked(reader), close
    return head, await reader.read(), True


def reset(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def hold(writer, seconds):
    """Keeps the connection open for `seconds`, reading and answering nothing (the client's timeout must
    fire first). Reading is paused so unread request bytes back up into the client's socket."""
    writer.transport.pause_reading()
    await asyncio.sleep(seconds)


def error_response(fault):
    status, reason, code, message = ERRORS[fault]
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>faultbox-{fault}</RequestId></Error>").encode()
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {len(body)}\r\n"
            f"x-amz-request-id: faultbox-{fault}\r\n\r\n").encode() + body


class Faultbox:
    def __init__(self, upstream, schedule, log, stall_seconds):
        url = urllib.parse.urlsplit(upstream)
        self.up_host, self.up_port = url.hostname, url.port or 80
        self.schedule = schedule
        self.log = log
        self.stall_seconds = stall_seconds
        self.counts = {}
        self.seq = 0
        self.connections = 0

    def record(self, op, target, conn):
        self.counts[op] = self.counts.get(op, 0) + 1
        self.seq += 1
        fault = self.schedule.get((op, self.counts[op]))
        entry = {"seq": self.seq, "op": op, "ordinal": self.counts[op], "part": part_number(target), "fault": fault,
                 "conn": conn}
        self.log.write(json.dumps(entry) + "\n")
        self.log.flush()
        return fault

    async def handle(self, reader, writer):
        self.connections += 1
        conn = self.connections
        upstream = None
        try:
            while True:
                head = await read_head(reader)
                if head is None:
                    return
                request_line, headers = parse_head(head)
                method, target, _ = request_line.split(" ", 2)
                length = int(headers.get("content-length", "0"))
                if "chunked" in headers.get("transfer-encoding", "").lower():
                    writer.write(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    await writer.drain()
                    return
                fault = self.record(classify(method, target), target, conn)
                if fault in ERRORS:
                    await pipe_exact(reader, None, length)
                    writer.write(error_response(fault))
                    await writer.drain()
                    continue
                if fault in ("reset", "stall"):
                    await pipe_exact(reader, None, length // 2)
                    if fault == "stall":
                        await hold(writer, self.stall_seconds)
                    reset(writer)
                    return
                if upstream is None:
                    upstream = await asyncio.open_connection(self.up_host, self.up_port)
                up_reader, up_writer = upstream
                up_writer.write(head)
                await pipe_exact(reader, up_writer, length, length // 2 if fault == "corrupt" and length else None)
                await up_writer.drain()
                resp_head, body, close = await read_response(up_reader, method)
                if fault == "stall_response":
                    await hold(writer, self.stall_seconds)
                    reset(writer)
                    return
                if fault == "drop_response":
                    reset(writer)
                    return
                writer.write(resp_head)
                for i in range(0, len(body), CHUNK):
                    writer.write(body[i:i + CHUNK])
                    await writer.drain()
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        finally:
            if upstream is not None:
                upstream[1].close()
            if not writer.transport.is_closing():
                writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the real S3 server")
    parser.add_argument("--schedule", default="", help="OPERATION#N=FAULT,...")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--port-file", help="write the chosen port here once listening")
    parser.add_argument("--log", help="JSON lines, one per request (default: stderr)")
    parser.add_argument("--stall-seconds", type=float, default=60.0, help="longest a stall holds a connection")
    args = parser.parse_args()
    log = open(args.log, "a", encoding="utf-8") if args.log else sys.stderr
    box = Faultbox(args.upstream, parse_schedule(args.schedule), log, args.stall_seconds)
    server = await asyncio.start_server(box.handle, "127.0.0.1", args.port, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
