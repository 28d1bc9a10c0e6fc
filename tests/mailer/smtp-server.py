#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An SMTP sink on 127.0.0.1 for test-mailer.

Usage: smtp-server.py DIR [--auth USER:PASSWORD] [--fail N]

Listens on a free port and prints it on stdout once ready. Every message is written
to DIR/N.eml (the raw bytes as received) and DIR/N.env (MAIL FROM on the first line,
one RCPT TO per line after). --auth requires AUTH PLAIN/LOGIN with that pair (no TLS
needed); --fail answers the first N DATA commands with a 451 temporary failure, and
each try is counted in DIR/tries.
"""

import argparse
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory, fail):
        self.directory = directory
        self.fail = fail
        self.tries = 0
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        with open(os.path.join(self.directory, "tries"), "w") as f:
            f.write(f"{self.tries}\n")
        if self.tries <= self.fail:
            return "451 4.3.0 Try again later"
        self.count += 1
        base = os.path.join(self.directory, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n")
            for rcpt in envelope.rcpt_tos:
                f.write(rcpt + "\n")
        # The .eml appears last, complete, so a reader never sees half of it.
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--auth")
    parser.add_argument("--fail", type=int, default=0)
    args = parser.parse_args()

    handler = Sink(args.directory, args.fail)
    kwargs = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (isinstance(auth_data, LoginPassword)
                  and auth_data.login.decode() == user
                  and auth_data.password.decode() == password)
            return AuthResult(success=ok, handled=False)

        kwargs = dict(authenticator=authenticator, auth_required=True,
                      auth_require_tls=False)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, **kwargs), "127.0.0.1", 0))
    # The test holds our stdin: when it exits, even killed, so do we.
    def stdin_ready():
        if not os.read(sys.stdin.fileno(), 4096):
            loop.stop()
    loop.add_reader(sys.stdin.fileno(), stdin_ready)
    print(server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
