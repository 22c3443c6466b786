"""A minimal SMTP server (RFC 5321 subset) on 127.0.0.1 that records what it receives.

Enough for :mod:`smtplib`: EHLO/HELO, MAIL, RCPT, DATA (with dot-unstuffing),
RSET, NOOP, QUIT. Runs its own asyncio loop in a thread. Imported as a
top-level module (``tests/support`` is on pytest's pythonpath).
"""

from __future__ import annotations

import asyncio
import email
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default


@dataclass
class ReceivedMail:
    """One delivered message."""

    sender: str
    recipients: list[str]
    data: bytes

    def message(self) -> EmailMessage:
        """The parsed message (headers decoded)."""
        parsed = email.message_from_bytes(self.data, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


def _address(argument: str) -> str:
    start, end = argument.find("<"), argument.rfind(">")
    return argument[start + 1 : end] if 0 <= start < end else argument.strip()


@dataclass
class SmtpPeer:
    """A real SMTP listener; ``mails`` fills as messages arrive."""

    mails: list[ReceivedMail] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(text: str) -> None:
            writer.write(text.encode("ascii") + b"\r\n")

        reply("220 egovnet-test ESMTP")
        sender, recipients = "", []
        try:
            while line := await reader.readline():
                command, _, argument = line.decode("utf-8", "replace").rstrip("\r\n").partition(" ")
                verb = command.upper()
                if verb == "EHLO":
                    reply("250-egovnet-test\r\n250-8BITMIME\r\n250 SIZE 10485760")
                elif verb == "HELO":
                    reply("250 egovnet-test")
                elif verb == "MAIL":
                    sender, recipients = _address(argument.partition(":")[2]), []
                    reply("250 OK")
                elif verb == "RCPT":
                    recipients.append(_address(argument.partition(":")[2]))
                    reply("250 OK")
                elif verb == "DATA":
                    reply("354 end with <CRLF>.<CRLF>")
                    await writer.drain()
                    body: list[bytes] = []
                    while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                        body.append(data[1:] if data.startswith(b"..") else data)
                    with self._arrived:
                        self.mails.append(ReceivedMail(sender, list(recipients), b"".join(body)))
                        self._arrived.notify_all()
                    reply("250 queued")
                elif verb in ("RSET", "NOOP"):
                    reply("250 OK")
                elif verb == "QUIT":
                    reply("221 bye")
                    await writer.drain()
                    break
                else:
                    reply("502 command not implemented")
                await writer.drain()
        finally:
            writer.close()

    def start(self) -> SmtpPeer:
        """Listen on a free port of 127.0.0.1 (``port`` is set when this returns)."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="smtp-peer", daemon=True)
        self._thread.start()

        async def listen() -> asyncio.Server:
            return await asyncio.start_server(self._session, self.host, 0)

        self._server = asyncio.run_coroutine_threadsafe(listen(), loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def wait_for(self, count: int, limit: float = 10.0) -> list[ReceivedMail]:
        """Block until ``count`` messages arrived (the limit only stops a hang)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.mails) >= count, limit):
                raise AssertionError(f"{len(self.mails)} of {count} e-mails arrived")
            return list(self.mails)

    def stop(self) -> None:
        """Close the listener and stop the loop thread."""
        loop, server = self._loop, self._server
        if loop is None or self._thread is None:
            return
        if server is not None:

            async def close() -> None:
                server.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)
        loop.close()
        self._loop = self._thread = self._server = None
