"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
from __future__ import annotations

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    envelope_to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


@dataclass
class Mailbox:
    messages: list[Received] = field(default_factory=list)
    # Answer the next DATA commands with these codes (e.g. [451, 550]); empty: accept.
    refusals: list[int] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        if self.refusals:
            code = self.refusals.pop(0)
            return f"{code} {'try again later' if code < 500 else 'mailbox unavailable'}"
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class SilentServer:
    """A real TCP server on 127.0.0.1 that accepts connections and never answers — or, with
    `greet=True`, answers the greeting and EHLO, then falls silent (a hung mail server).
    `connections` counts the clients that connected. Closing it drops every client; `hold`
    drops each one after so many seconds (so a client without timeouts is not stuck for ever)."""

    def __init__(self, greet: bool = False, hold: float | None = None) -> None:
        self.greet, self.hold = greet, hold   # hold: drop each client after so many seconds
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.clients: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.clients.append(client)
            if self.hold is not None:
                threading.Timer(self.hold, _drop, args=(client,)).start()
            if self.greet:
                threading.Thread(target=self._greet, args=(client,), daemon=True).start()

    def _greet(self, client: socket.socket) -> None:
        try:
            client.sendall(b"220 127.0.0.1 ESMTP\r\n")
            client.recv(1024)                       # EHLO
            client.sendall(b"250 127.0.0.1\r\n")
            while client.recv(1024):                # MAIL FROM …: never answered
                pass
        except OSError:
            pass

    def __enter__(self) -> SilentServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)   # wakes the accept() above
        except OSError:
            pass
        self.listener.close()
        for client in self.clients:
            _drop(client)


def _drop(client: socket.socket) -> None:
    """Shut down first: a bare close() from another thread neither wakes a blocked recv()
    nor sends the FIN while that recv() holds the socket."""
    try:
        client.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    client.close()
