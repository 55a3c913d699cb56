#!/usr/bin/env python3
"""Open a websocket on one app server process and check that it echoes.

Standard library only, so it runs with the host's python3. The endpoint is a
unix socket path or host:port; the Host and Origin headers are the ones the
app must accept. Exit 0 when the echo came back, 1 (with the reason on
stderr) otherwise.
    ws_probe.py ENDPOINT PATH --host HOST --origin ORIGIN [--timeout S]
"""
import argparse
import base64
import os
import socket
import struct
import sys


def connect(endpoint, timeout):
    if endpoint.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(endpoint)
        return sock
    host, _, port = endpoint.rpartition(":")
    return socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)


def read_exact(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("connection closed by the server")
        data += chunk
    return data


def handshake(sock, path, host, origin):
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    sock.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError(f"no handshake answer (got {response[:80]!r})")
        response += chunk
    status = response.split(b"\r\n", 1)[0].decode(errors="replace")
    if " 101 " not in status + " ":
        raise ConnectionError(f"handshake refused: {status}")
    return response.split(b"\r\n\r\n", 1)[1]


def send_text(sock, text):
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(header + mask + masked)


def recv_text(sock, leftover):
    buffered = bytearray(leftover)

    def take(count):
        nonlocal buffered
        if len(buffered) < count:
            buffered += read_exact(sock, count - len(buffered))
        data, buffered = bytes(buffered[:count]), buffered[count:]
        return data

    while True:
        first, second = take(2)
        opcode, length = first & 0x0F, second & 0x7F
        if length == 126:
            length = struct.unpack("!H", take(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", take(8))[0]
        payload = take(length)
        if opcode == 0x1:
            return payload.decode()
        if opcode == 0x8:
            raise ConnectionError("the server closed the websocket")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("endpoint")
    parser.add_argument("path")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--origin", default="http://localhost")
    parser.add_argument("--timeout", type=float, default=5)
    args = parser.parse_args()
    token = "djangoops-health-gate-" + base64.b16encode(os.urandom(6)).decode().lower()
    try:
        with connect(args.endpoint, args.timeout) as sock:
            leftover = handshake(sock, args.path, args.host, args.origin)
            send_text(sock, token)
            answer = recv_text(sock, leftover)
    except (OSError, ValueError) as error:
        print(f"{args.endpoint}{args.path}: {error}", file=sys.stderr)
        return 1
    if token not in answer:
        print(f"{args.endpoint}{args.path}: sent {token!r}, got {answer[:200]!r}", file=sys.stderr)
        return 1
    print(f"{args.endpoint}{args.path}: echo ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
