#!/usr/bin/env python3
"""A real mail system on loopback for the e-mail tests.

Dovecot serves IMAP (plain, on a free port) for any user name with the
password "secret"; each address is its own mailbox. An aiosmtpd server takes
SMTP (AUTH PLAIN/LOGIN with the same password, or none) and delivers every
recipient into Dovecot over LMTP. Mail for `reply+<anything>@<domain>` is
delivered to the mailbox `inbox@<domain>` (the catch-all a deployment points
its inbound domain at).

Prints one JSON line, {"smtp": port, "imap": port}, when both listen, and
stops Dovecot and itself when its standard input closes (the test process
that started it has gone).
"""
import asyncio
import json
import os
import pwd
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def dovecot_config(base, imap_port):
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        uid, gid, extra = nobody.pw_uid, nobody.pw_gid, ""
    else:
        me = pwd.getpwuid(os.geteuid())
        uid, gid = me.pw_uid, me.pw_gid
        extra = f"default_internal_user = {me.pw_name}\ndefault_login_user = {me.pw_name}\n"
    home = os.path.join(base, "home")
    os.makedirs(home, exist_ok=True)
    os.chmod(home, 0o777)
    return f"""
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
instance_name = switchboard-test-{os.getpid()}
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
{extra}
passdb {{
  driver = static
  args = password=secret
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service lmtp {{
  unix_listener lmtp {{
    mode = 0666
  }}
}}
service anvil {{
  chroot =
}}
"""


class Relay:
    def __init__(self, lmtp_path):
        self.lmtp_path = lmtp_path

    async def handle_DATA(self, server, session, envelope):
        rcpts = []
        for r in envelope.rcpt_tos:
            local, _, domain = r.lower().partition("@")
            rcpts.append(f"inbox@{domain}" if local.startswith("reply+") else r.lower())
        data = envelope.original_content or envelope.content
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, self.deliver, envelope.mail_from, rcpts, data
            )
        except Exception as e:  # the client sees a temporary failure
            return f"451 delivery failed: {e}"
        return "250 OK delivered"

    def deliver(self, sender, rcpts, data):
        # One LMTP transaction per recipient: LMTP answers DATA once per
        # recipient, which smtplib reads as one answer.
        for r in rcpts:
            with smtplib.LMTP(self.lmtp_path) as lmtp:
                lmtp.sendmail(sender or "", [r], data)


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "password", b"") in (b"secret", "secret")
    return AuthResult(success=ok, handled=False)


def main():
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    base = tempfile.mkdtemp(prefix="sb-mail-")
    os.chmod(base, 0o755)  # the mail processes run as another user
    imap_port = free_port()
    conf = os.path.join(base, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(dovecot_config(base, imap_port))
    proc = subprocess.Popen([dovecot, "-F", "-c", conf], stdin=subprocess.DEVNULL)
    lmtp = os.path.join(base, "run", "lmtp")
    for _ in range(200):
        if os.path.exists(lmtp):
            try:
                with socket.create_connection(("127.0.0.1", imap_port), timeout=1):
                    break
            except OSError:
                pass
        if proc.poll() is not None:
            log = open(os.path.join(base, "dovecot.log")).read() if os.path.exists(os.path.join(base, "dovecot.log")) else ""
            sys.exit(f"dovecot stopped: {log}")
        asyncio.run(asyncio.sleep(0.05))
    else:
        proc.kill()
        sys.exit("dovecot did not start")
    controller = Controller(
        Relay(lmtp),
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=False,
    )
    controller.start()
    print(json.dumps({"smtp": controller.port, "imap": imap_port}), flush=True)
    try:
        sys.stdin.read()  # until the parent goes
    finally:
        controller.stop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
