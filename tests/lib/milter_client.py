"""milter_client - the MTA side of the Sendmail milter protocol, version 6.

A test client that talks to a milter the way Postfix does, so functional
tests can drive authmilter (or any libmilter program) without an MTA.

Exported:
    parse_socket_spec(spec)        "unix:/p", "local:/p", "/p",
                                   "inet:PORT@HOST",
                                   "inet:PORT", "inet6:PORT@HOST" ->
                                   (family, sockaddr)
    MilterClient(spec, timeout=None) one milter connection; connect()
      .connect()                   negotiates SMFIC_OPTNEG; keeps
                                   version/actions/protocol
      .conn(hostname, addr, family=None, port=0) -> Response
      .helo(name) / .mail(sender, args) / .rcpt(rcpt, args) / .data()
      .header(name, value) / .eoh() / .body(bytes) / .eom() -> Response
      .macro(cmd, {name: value})   SMFIC_MACRO for one stage
      .unknown(line) / .abort() / .quit() / .close() (drop, no QUIT)
      .send_packet(cmd, data) / .send_raw(bytes) / .read_response(cmd)
                                   raw access for hostile-input tests
      .send_message(raw, ...) -> MessageResult   a whole transaction
    send_message(spec, raw, ...)   connect, one message, quit -> MessageResult
    split_message(raw) -> (headers, body)    headers as [(name, rawvalue)]
    apply_modifications(headers, actions, leadspc=False) -> new header list
    render_headers(headers) -> bytes
    Response, MessageResult, Action, MilterError, MilterTimeout,
    MilterProtocolError; the SMFI* constants.

Wire format (libmilter's mfdef.h, Postfix's milter8.c): every packet is a
4-byte big-endian length (command byte included), one command byte, data.
Strings are NUL-terminated. Replies to each command are read until a final
one (continue/accept/reject/tempfail/discard/replycode/skip); SMFIR_PROGRESS
only extends the wait; modification actions (add/insert/change header,
quarantine, recipients) are legal only after SMFIC_BODYEOB.

Header values: we keep each header as (name, rawvalue) where rawvalue is
everything after the colon, folding included, with CRLF turned into "\n"
as Postfix and Sendmail send multi-line headers. Unless the milter
negotiated SMFIP_HDR_LEADSPC, one leading SP (not TAB) is removed before
sending - what Postfix does - and a milter's new values get ": " in front
when the header is rendered; with HDR_LEADSPC values go verbatim.

Applying modifications follows Postfix's cleanup: the actions are applied in
the order received to the current list. SMFIR_CHGHEADER index i (1-based;
0 means 1) names the i-th header with that name (case-insensitive); an empty
value deletes it, a missing header is appended when the value is not empty.
SMFIR_INSHEADER index n inserts before the n-th (0-based) header the milter
saw, i.e. 0 = at the top. (Postfix counts its own Received: header, which it
hides from the milter, in the insert index, so index 0 lands above it; this
client has no own header, so the two agree about every header the milter
saw.) SMFIR_ADDHEADER appends.

Every socket read has a timeout (MilterTimeout): the one given, else
DEFAULT_TIMEOUT stretched by time_scale (slow runs). A milter that closes the
connection raises MilterError; a malformed packet raises MilterProtocolError.
Nothing here loops unbounded: reply loops stop after MAX_REPLIES packets.
"""

import random
import socket
import struct
import time

from time_scale import scaled

# Commands (MTA -> milter)
SMFIC_ABORT = b"A"
SMFIC_BODY = b"B"
SMFIC_CONNECT = b"C"
SMFIC_MACRO = b"D"
SMFIC_BODYEOB = b"E"
SMFIC_HELO = b"H"
SMFIC_QUIT_NC = b"K"
SMFIC_HEADER = b"L"
SMFIC_MAIL = b"M"
SMFIC_EOH = b"N"
SMFIC_OPTNEG = b"O"
SMFIC_QUIT = b"Q"
SMFIC_RCPT = b"R"
SMFIC_DATA = b"T"
SMFIC_UNKNOWN = b"U"

# Replies (milter -> MTA)
SMFIR_ADDRCPT = b"+"
SMFIR_DELRCPT = b"-"
SMFIR_ADDRCPT_PAR = b"2"
SMFIR_SHUTDOWN = b"4"
SMFIR_ACCEPT = b"a"
SMFIR_REPLBODY = b"b"
SMFIR_CONTINUE = b"c"
SMFIR_DISCARD = b"d"
SMFIR_CHGFROM = b"e"
SMFIR_CONN_FAIL = b"f"
SMFIR_ADDHEADER = b"h"
SMFIR_INSHEADER = b"i"
SMFIR_SETSYMLIST = b"l"
SMFIR_CHGHEADER = b"m"
SMFIR_PROGRESS = b"p"
SMFIR_QUARANTINE = b"q"
SMFIR_REJECT = b"r"
SMFIR_SKIP = b"s"
SMFIR_TEMPFAIL = b"t"
SMFIR_REPLYCODE = b"y"

# Actions the milter may request (SMFIF_*)
SMFIF_ADDHDRS = 0x001
SMFIF_CHGBODY = 0x002
SMFIF_ADDRCPT = 0x004
SMFIF_DELRCPT = 0x008
SMFIF_CHGHDRS = 0x010
SMFIF_QUARANTINE = 0x020
SMFIF_CHGFROM = 0x040
SMFIF_ADDRCPT_PAR = 0x080
SMFIF_SETSYMLIST = 0x100
SMFIF_ALL = 0x1FF

# Protocol flags (SMFIP_*)
SMFIP_NOCONNECT = 0x000001
SMFIP_NOHELO = 0x000002
SMFIP_NOMAIL = 0x000004
SMFIP_NORCPT = 0x000008
SMFIP_NOBODY = 0x000010
SMFIP_NOHDRS = 0x000020
SMFIP_NOEOH = 0x000040
SMFIP_NR_HDR = 0x000080
SMFIP_NOUNKNOWN = 0x000100
SMFIP_NODATA = 0x000200
SMFIP_SKIP = 0x000400
SMFIP_RCPT_REJ = 0x000800
SMFIP_NR_CONN = 0x001000
SMFIP_NR_HELO = 0x002000
SMFIP_NR_MAIL = 0x004000
SMFIP_NR_RCPT = 0x008000
SMFIP_NR_DATA = 0x010000
SMFIP_NR_UNKN = 0x020000
SMFIP_NR_EOH = 0x040000
SMFIP_NR_BODY = 0x080000
SMFIP_HDR_LEADSPC = 0x100000
SMFIP_ALL_V6 = 0x1FFFFF     # everything a version 6 MTA may offer

# Macro stages in SMFIR_SETSYMLIST (SMFIM_*) and the command they go with
SMFIM_STAGE_CMD = {0: b"C", 1: b"H", 2: b"M", 3: b"R", 4: b"T", 5: b"E",
                   6: b"N"}

MILTER_CHUNK_SIZE = 65535   # largest body chunk an MTA sends
# Postfix refuses a milter reply packet longer than 2 * MILTER_CHUNK_SIZE
# (milter8.c XXX_MAX_DATA); so do we by default, to catch a milter that
# would break Postfix. MilterClient(max_reply=...) changes it.
MAX_REPLY = 2 * MILTER_CHUNK_SIZE
MAX_REPLIES = 100000        # bound on reply packets read for one command
# seconds a reply (or wait_for_socket) may take when the caller gives
# no timeout, before time_scale stretches it for slow runs
DEFAULT_TIMEOUT = 10.0

# Which stage each macro belongs to when given as a flat dict (Postfix
# defaults of milter_*_macros plus {client_*}). "i" goes to every stage
# from MAIL on, like Postfix once the queue id exists.
_STAGE_OF = {
    "j": b"C", "_": b"C", "v": b"C", "{daemon_name}": b"C",
    "{daemon_addr}": b"C", "{daemon_port}": b"C", "{if_name}": b"C",
    "{if_addr}": b"C", "{client_addr}": b"C", "{client_name}": b"C",
    "{client_port}": b"C", "{client_ptr}": b"C",
    "{client_connections}": b"C", "{client_resolve}": b"C",
    "{tls_version}": b"H", "{cipher}": b"H", "{cipher_bits}": b"H",
    "{cert_subject}": b"H", "{cert_issuer}": b"H",
    "{auth_type}": b"M", "{auth_authen}": b"M", "{auth_author}": b"M",
    "{mail_addr}": b"M", "{mail_host}": b"M", "{mail_mailer}": b"M",
    "{rcpt_addr}": b"R", "{rcpt_host}": b"R", "{rcpt_mailer}": b"R",
}
_EVERY_MSG_STAGE = (b"M", b"R", b"T", b"N", b"E")

_VERDICTS = {
    SMFIR_CONTINUE: "continue", SMFIR_ACCEPT: "accept",
    SMFIR_REJECT: "reject", SMFIR_TEMPFAIL: "tempfail",
    SMFIR_DISCARD: "discard", SMFIR_REPLYCODE: "replycode",
    SMFIR_SKIP: "skip", SMFIR_SHUTDOWN: "shutdown",
    SMFIR_CONN_FAIL: "conn_fail",
}


class MilterError(Exception):
    """MilterError - the milter connection failed or closed."""


class MilterTimeout(MilterError):
    """MilterTimeout - no reply within the timeout."""


class MilterProtocolError(MilterError):
    """MilterProtocolError - the milter sent something malformed."""


def parse_socket_spec(spec):
    """parse_socket_spec - milter socket spec -> (family, sockaddr)."""
    spec = spec.strip()
    if spec.startswith("/"):
        return socket.AF_UNIX, spec
    kind, sep, rest = spec.partition(":")
    if not sep:
        raise ValueError("bad socket spec %r" % spec)
    kind = kind.lower()
    if kind in ("unix", "local"):
        return socket.AF_UNIX, rest
    if kind in ("inet", "inet6"):
        port, at, host = rest.partition("@")
        if not at:
            host = "::1" if kind == "inet6" else "127.0.0.1"
        host = host.strip("[]")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("bad port in socket spec %r" % spec)
        if kind == "inet6":
            return socket.AF_INET6, (host, int(port), 0, 0)
        return socket.AF_INET, (host, int(port))
    raise ValueError("unknown transport in socket spec %r" % spec)


def _b(s):
    """_b - str or bytes -> bytes (str encoded as UTF-8)."""
    if isinstance(s, bytes):
        return s
    return str(s).encode("utf-8", "surrogateescape")


def _cstr(data, pos):
    """_cstr - read one NUL-terminated string from data at pos."""
    end = data.find(b"\0", pos)
    if end < 0:
        raise MilterProtocolError("missing NUL terminator in %r" % data[:80])
    return data[pos:end], end + 1


def _macro_key(name):
    """_macro_key - macro name without braces, for comparing lists."""
    name = name.decode() if isinstance(name, bytes) else name
    return name.strip().strip("{}")


class Action:
    """Action - one modification request received at end of message.

    kind: "addheader", "insheader", "chgheader", "quarantine", "addrcpt",
    "addrcpt_par", "delrcpt", "chgfrom", "replbody". name/value are str
    (header values decoded as UTF-8 with surrogateescape), index an int
    where the protocol has one, args the ESMTP arguments where present.
    """

    def __init__(self, kind, name=None, value=None, index=None, args=None):
        self.kind = kind
        self.name = name
        self.value = value
        self.index = index
        self.args = args or []

    def __repr__(self):
        return "Action(%s, name=%r, value=%r, index=%r)" % (
            self.kind, self.name, self.value, self.index)


class Response:
    """Response - the milter's answer to one command.

    verdict: "continue", "accept", "reject", "tempfail", "discard",
    "replycode", "skip", "shutdown", "conn_fail"; "noreply" when the
    protocol says no reply comes; "skipped" when the milter asked not to
    get this command (the command was not sent).
    reply: the full SMTP reply text of a SMFIR_REPLYCODE ("550 5.7.1 ...").
    actions: modification Actions (end of message only).
    progress: how many SMFIR_PROGRESS packets came first.
    """

    def __init__(self, verdict, reply=None, actions=None, progress=0):
        self.verdict = verdict
        self.reply = reply
        self.actions = actions or []
        self.progress = progress

    @property
    def code(self):
        """code - SMTP code of a replycode ("550"), else None."""
        return self.reply[:3] if self.reply else None

    @property
    def final(self):
        """final - True when the verdict ends the message (or connection)."""
        return self.verdict in ("accept", "reject", "tempfail", "discard",
                                "replycode", "shutdown", "conn_fail")

    def __repr__(self):
        return "Response(%s, reply=%r, actions=%r)" % (
            self.verdict, self.reply, self.actions)


class MilterClient:
    """MilterClient - one MTA-to-milter connection, protocol version 6."""

    def __init__(self, spec, timeout=None, version=6, actions=SMFIF_ALL,
                 protocol=SMFIP_ALL_V6, connect_timeout=None,
                 max_reply=MAX_REPLY):
        self.spec = spec
        self.timeout = scaled(DEFAULT_TIMEOUT) if timeout is None else timeout
        self.connect_timeout = connect_timeout or timeout
        self.offer_version = version
        self.offer_actions = actions
        self.offer_protocol = protocol
        self.max_reply = max_reply
        self.sock = None
        self.version = None
        self.actions = None
        self.protocol = None
        self.symlists = {}      # command byte -> set of macro names
        self.log = []           # (direction, cmd, data) for diagnostics
        self.in_message = False
        self.smtp_done = False
        self.conn_verdict = None    # final Response at CONNECT/HELO

    # ---- connection -------------------------------------------------

    def connect(self):
        """connect - open the socket and negotiate options (SMFIC_OPTNEG)."""
        family, addr = parse_socket_spec(self.spec)
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(self.connect_timeout)
        try:
            s.connect(addr)
        except OSError as e:
            s.close()
            raise MilterError("connect %s: %s" % (self.spec, e))
        s.settimeout(self.timeout)
        if family in (socket.AF_INET, socket.AF_INET6):
            # each macro and command is its own small write: with Nagle
            # on, the second waits for the milter's delayed ACK (~40 ms
            # a time, 0.2 s a message), which would be measuring the ACK
            # timer, not the milter (contrib/bench/README, Delayed ACKs)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = s
        self._send(SMFIC_OPTNEG, struct.pack(">III", self.offer_version,
                                             self.offer_actions,
                                             self.offer_protocol))
        cmd, data = self._read_packet()
        if cmd != SMFIC_OPTNEG:
            raise MilterProtocolError("OPTNEG answered with %r" % cmd)
        if len(data) < 12:
            raise MilterProtocolError("short OPTNEG reply (%d bytes)"
                                      % len(data))
        self.version, self.actions, self.protocol = struct.unpack(
            ">III", data[:12])
        if self.version > self.offer_version or self.version < 2:
            raise MilterProtocolError("milter protocol version %d"
                                      % self.version)
        if self.actions & ~self.offer_actions:
            raise MilterProtocolError(
                "milter wants actions 0x%x beyond offered 0x%x"
                % (self.actions, self.offer_actions))
        self._parse_symlists(data[12:])
        return self

    def _parse_symlists(self, data):
        """_parse_symlists - macro lists appended to the OPTNEG reply."""
        pos = 0
        while pos + 4 <= len(data):
            (stage,) = struct.unpack(">I", data[pos:pos + 4])
            names, pos = _cstr(data, pos + 4)
            cmd = SMFIM_STAGE_CMD.get(stage)
            if cmd is None:
                raise MilterProtocolError("bad macro stage %d" % stage)
            self.symlists[cmd] = set(_macro_key(n) for n in
                                     names.decode().split())
        if pos != len(data):
            raise MilterProtocolError("trailing bytes after symbol lists")

    def has(self, flag):
        """has - True when the negotiated protocol flags include flag."""
        return bool(self.protocol & flag)

    @property
    def leadspc(self):
        """leadspc - True when header values keep their leading space."""
        return self.has(SMFIP_HDR_LEADSPC)

    def close(self):
        """close - close the socket without QUIT."""
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def quit(self):
        """quit - send SMFIC_QUIT and close."""
        if self.sock is not None:
            try:
                self._send(SMFIC_QUIT)
            except MilterError:
                pass
            self.close()

    def __enter__(self):
        if self.sock is None:
            self.connect()
        return self

    def __exit__(self, *exc):
        self.quit()
        return False

    # ---- packets ----------------------------------------------------

    def _send(self, cmd, data=b""):
        """_send - write one packet."""
        if self.sock is None:
            raise MilterError("not connected")
        self.log.append((">", cmd, data[:200]))
        pkt = struct.pack(">I", len(data) + 1) + cmd + data
        try:
            self.sock.sendall(pkt)
        except socket.timeout:
            raise MilterTimeout("timeout writing %r" % cmd)
        except OSError as e:
            raise MilterError("write %r: %s" % (cmd, e))

    def _recv_exact(self, n):
        """_recv_exact - read n bytes or raise (timeout, EOF)."""
        buf = bytearray()
        deadline = time.monotonic() + self.timeout
        while len(buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise MilterTimeout("timeout after %.1fs waiting for milter"
                                    % self.timeout)
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except socket.timeout:
                raise MilterTimeout("timeout after %.1fs waiting for milter"
                                    % self.timeout)
            except OSError as e:
                raise MilterError("read: %s" % e)
            if not chunk:
                raise MilterError("milter closed the connection")
            buf += chunk
        return bytes(buf)

    def _read_packet(self):
        """_read_packet - read one reply packet -> (cmd, data)."""
        if self.sock is None:
            raise MilterError("not connected")
        (length,) = struct.unpack(">I", self._recv_exact(4))
        if length < 1 or length > self.max_reply:
            raise MilterProtocolError("bad packet length %d" % length)
        raw = self._recv_exact(length)
        cmd, data = raw[:1], raw[1:]
        self.log.append(("<", cmd, data[:200]))
        return cmd, data

    # ---- replies ----------------------------------------------------

    def _read_response(self, cmd):
        """_read_response - read replies to cmd until a final one."""
        actions = []
        progress = 0
        for _ in range(MAX_REPLIES):
            rcmd, data = self._read_packet()
            if rcmd == SMFIR_PROGRESS:
                progress += 1
                continue
            if rcmd in _VERDICTS:
                if rcmd == SMFIR_REPLYCODE:
                    text, _pos = _cstr(data, 0)
                    text = text.decode("utf-8", "surrogateescape")
                    if (len(text) < 5 or text[0] not in "45"
                            or not text[1:3].isdigit()
                            or text[3] not in " -"):
                        raise MilterProtocolError("malformed reply %r" % text)
                    return Response("replycode", text, actions, progress)
                if data:
                    raise MilterProtocolError("reply %r with %d data bytes"
                                              % (rcmd, len(data)))
                return Response(_VERDICTS[rcmd], None, actions, progress)
            if cmd != SMFIC_BODYEOB:
                raise MilterProtocolError("unexpected reply %r to %r"
                                          % (rcmd, cmd))
            actions.append(self._parse_action(rcmd, data))
        raise MilterProtocolError("more than %d replies" % MAX_REPLIES)

    def _parse_action(self, rcmd, data):
        """_parse_action - one end-of-message modification packet."""
        def s(x):
            return x.decode("utf-8", "surrogateescape")
        if rcmd == SMFIR_ADDHEADER:
            name, pos = _cstr(data, 0)
            value, pos = _cstr(data, pos)
            self._need(SMFIF_ADDHDRS, rcmd)
            return Action("addheader", s(name), s(value))
        if rcmd in (SMFIR_INSHEADER, SMFIR_CHGHEADER):
            if len(data) < 4:
                raise MilterProtocolError("short %r packet" % rcmd)
            (index,) = struct.unpack(">I", data[:4])
            name, pos = _cstr(data, 4)
            value, pos = _cstr(data, pos)
            if not name:
                raise MilterProtocolError("empty header name in %r" % rcmd)
            if rcmd == SMFIR_INSHEADER:
                self._need(SMFIF_ADDHDRS, rcmd)
                return Action("insheader", s(name), s(value), index)
            self._need(SMFIF_CHGHDRS, rcmd)
            return Action("chgheader", s(name), s(value), index)
        if rcmd == SMFIR_QUARANTINE:
            reason, pos = _cstr(data, 0)
            self._need(SMFIF_QUARANTINE, rcmd)
            return Action("quarantine", value=s(reason))
        if rcmd in (SMFIR_ADDRCPT, SMFIR_DELRCPT, SMFIR_CHGFROM,
                    SMFIR_ADDRCPT_PAR):
            parts = [s(p) for p in data.split(b"\0")[:-1]]
            if not parts:
                raise MilterProtocolError("empty %r packet" % rcmd)
            kind = {SMFIR_ADDRCPT: "addrcpt", SMFIR_DELRCPT: "delrcpt",
                    SMFIR_CHGFROM: "chgfrom",
                    SMFIR_ADDRCPT_PAR: "addrcpt_par"}[rcmd]
            return Action(kind, value=parts[0], args=parts[1:])
        if rcmd == SMFIR_REPLBODY:
            self._need(SMFIF_CHGBODY, rcmd)
            return Action("replbody", value=data)
        raise MilterProtocolError("unknown reply %r" % rcmd)

    def _need(self, flag, rcmd):
        """_need - a modification must have been negotiated."""
        if not self.actions & flag:
            raise MilterProtocolError("%r without negotiating action 0x%x"
                                      % (rcmd, flag))

    def send_packet(self, cmd, data=b""):
        """send_packet - write one raw packet (hostile-input tests)."""
        self._send(_b(cmd), _b(data))

    def send_raw(self, data):
        """send_raw - write raw bytes, e.g. a length field claiming
        gigabytes followed by nothing (hostile-input tests)."""
        if self.sock is None:
            raise MilterError("not connected")
        try:
            self.sock.sendall(_b(data))
        except OSError as e:
            raise MilterError("write: %s" % e)

    def read_response(self, cmd=SMFIC_BODYEOB):
        """read_response - read replies as if answering cmd."""
        return self._read_response(_b(cmd))

    def _event(self, cmd, data, skip_flag, noreply_flag):
        """_event - send one command unless skipped, read its reply."""
        if skip_flag and self.has(skip_flag):
            return Response("skipped")
        self._send(cmd, data)
        if noreply_flag and self.has(noreply_flag):
            return Response("noreply")
        return self._read_response(cmd)

    # ---- commands ---------------------------------------------------

    def macro(self, cmd, macros):
        """macro - send SMFIC_MACRO for the command cmd (b"C", b"M"...).

        macros: dict or list of (name, value). When the milter sent a
        symbol list for this stage only the names in it are sent (as an
        MTA does); an empty result sends nothing.
        """
        items = list(macros.items()) if isinstance(macros, dict) \
            else list(macros)
        wanted = self.symlists.get(cmd)
        if wanted is not None:
            items = [(n, v) for n, v in items if _macro_key(n) in wanted]
        if not items:
            return
        data = bytearray(cmd)
        for name, value in items:
            data += _b(name) + b"\0" + _b(value) + b"\0"
        self._send(SMFIC_MACRO, bytes(data))

    def conn(self, hostname, addr, family=None, port=0):
        """conn - SMFIC_CONNECT; family "4", "6", "L" (unix) or None=auto."""
        if family is None:
            family = "L" if addr.startswith("/") else \
                ("6" if ":" in addr else "4")
        if family == "U":
            data = _b(hostname) + b"\0U"
        else:
            if family == "L":
                port = 0
            data = (_b(hostname) + b"\0" + family.encode() +
                    struct.pack(">H", port) + _b(addr) + b"\0")
        return self._event(SMFIC_CONNECT, data, SMFIP_NOCONNECT,
                           SMFIP_NR_CONN)

    def helo(self, name):
        """helo - SMFIC_HELO."""
        return self._event(SMFIC_HELO, _b(name) + b"\0", SMFIP_NOHELO,
                           SMFIP_NR_HELO)

    def mail(self, sender, args=()):
        """mail - SMFIC_MAIL; sender in angle brackets is added if absent."""
        self.in_message = True
        return self._event(SMFIC_MAIL, _argv(sender, args), SMFIP_NOMAIL,
                           SMFIP_NR_MAIL)

    def rcpt(self, rcpt, args=()):
        """rcpt - SMFIC_RCPT."""
        return self._event(SMFIC_RCPT, _argv(rcpt, args), SMFIP_NORCPT,
                           SMFIP_NR_RCPT)

    def data(self):
        """data - SMFIC_DATA."""
        return self._event(SMFIC_DATA, b"", SMFIP_NODATA, SMFIP_NR_DATA)

    def unknown(self, line):
        """unknown - SMFIC_UNKNOWN with the raw SMTP command line."""
        return self._event(SMFIC_UNKNOWN, _b(line) + b"\0", SMFIP_NOUNKNOWN,
                           SMFIP_NR_UNKN)

    def header(self, name, value):
        """header - SMFIC_HEADER; value is sent exactly as given."""
        return self._event(SMFIC_HEADER, _b(name) + b"\0" + _b(value) + b"\0",
                           SMFIP_NOHDRS, SMFIP_NR_HDR)

    def eoh(self):
        """eoh - SMFIC_EOH."""
        return self._event(SMFIC_EOH, b"", SMFIP_NOEOH, SMFIP_NR_EOH)

    def body(self, data, chunk_size=MILTER_CHUNK_SIZE):
        """body - SMFIC_BODY in chunks of at most chunk_size bytes.

        Returns the last Response; stops early on SMFIR_SKIP or a final
        verdict (that Response is returned).
        """
        if not 0 < chunk_size <= MILTER_CHUNK_SIZE:
            raise ValueError("chunk size %d" % chunk_size)
        resp = Response("skipped" if self.has(SMFIP_NOBODY) else "continue")
        data = _b(data)
        for pos in range(0, len(data), chunk_size):
            resp = self._event(SMFIC_BODY, data[pos:pos + chunk_size],
                               SMFIP_NOBODY, SMFIP_NR_BODY)
            if resp.verdict == "skip" or resp.final \
                    or resp.verdict == "skipped":
                break
        return resp

    def eom(self, data=b""):
        """eom - SMFIC_BODYEOB; returns the Response with its actions."""
        resp = self._event(SMFIC_BODYEOB, _b(data), 0, 0)
        self.in_message = False
        return resp

    def abort(self):
        """abort - SMFIC_ABORT (no reply expected)."""
        self._send(SMFIC_ABORT)
        self.in_message = False

    # ---- whole transactions ----------------------------------------

    def send_message(self, raw, client_ip="192.0.2.1", helo="client.test",
                     mail_from="sender@example.org",
                     rcpts=("rcpt@example.net",),
                     macros=None, client_name=None, client_port=41234,
                     family=None, mail_args=(), chunk_size=MILTER_CHUNK_SIZE,
                     queue_id=None, eom_body=False):
        """send_message - one SMTP transaction through the milter.

        raw: the RFC 5322 message (bytes; LF or CRLF line ends).
        client_ip: "192.0.2.1", "2001:db8::1" or a unix path ("/...").
        macros: {name: value} (each goes to its usual stage, see _STAGE_OF;
            unknown names to CONNECT; "i" to every stage from MAIL on) or
            {b"C": {...}, b"M": {...}} per stage command byte; a value of
            None removes a default macro.
        The connection stage (CONNECT, HELO) is sent once per client; a
        later call sends SMFIC_ABORT first when the previous message did
        not reach end of message.
        eom_body: full 65535-byte SMFIC_BODY chunks and the remainder
            inside SMFIC_BODYEOB (libmilter hands it to the body callback;
            no MTA we know does this); default: every chunk as SMFIC_BODY
            and an empty SMFIC_BODYEOB, as Postfix and Sendmail send it.
        Returns a MessageResult.
        """
        res = MessageResult(self.leadspc)
        stage_macros = _stage_macros(self, macros, client_ip, client_name,
                                     client_port, mail_from, queue_id, helo)
        headers, body = split_message(raw)
        res.sent_headers = list(headers)
        res.sent_body = body
        if self.in_message:
            self.abort()
        if self.conn_verdict is not None:
            # the milter decided for the whole connection already
            res.finish(self.conn_verdict[0], self.conn_verdict[1])
            return res
        if not self.smtp_done:
            self.smtp_done = True
            self.macro(b"C", stage_macros[b"C"])
            for stage, call in (
                    ("connect", lambda: self.conn(
                        client_name or "[%s]" % client_ip, client_ip, family,
                        client_port)),
                    ("helo", lambda: (self.macro(b"H", stage_macros[b"H"]),
                                      self.helo(helo))[1])):
                if not res.step(stage, call()):
                    self.conn_verdict = (stage, res.replies[-1][1])
                    return res
        self.macro(b"M", stage_macros[b"M"])
        if not res.step("mail", self.mail(mail_from, mail_args)):
            self._end_transaction(res)
            return res
        accepted = 0
        for r in rcpts:
            m = dict(stage_macros[b"R"])
            m.setdefault("{rcpt_addr}", _strip_angle(r))
            self.macro(b"R", m)
            resp = self.rcpt(r)
            res.replies.append(("rcpt", resp))
            if resp.verdict in ("reject", "tempfail", "replycode"):
                res.rejected_rcpts.append((r, resp))
                continue
            if resp.final:
                res.finish("rcpt", resp)
                self._end_transaction(res)
                return res
            accepted += 1
        if accepted == 0:
            res.finish("rcpt", res.replies[-1][1] if res.replies
                       else Response("reject"))
            self._end_transaction(res)
            return res
        self.macro(b"T", stage_macros[b"T"])
        if not res.step("data", self.data()):
            self._end_transaction(res)
            return res
        for name, rawvalue in headers:
            value = rawvalue if self.leadspc else _strip_one_sp(rawvalue)
            self.macro(b"L", stage_macros.get(b"L", {}))
            if not res.step("header", self.header(name, value)):
                self._end_transaction(res)
                return res
        self.macro(b"N", stage_macros[b"N"])
        if not res.step("eoh", self.eoh()):
            self._end_transaction(res)
            return res
        tail = b""
        if eom_body and not self.has(SMFIP_NOBODY):
            cut = len(body) - len(body) % MILTER_CHUNK_SIZE
            body, tail = body[:cut], body[cut:]
        resp = self.body(body, chunk_size) if body else Response("continue")
        if resp.final:
            res.step("body", resp)
            self._end_transaction(res)
            return res
        if resp.verdict == "skip":
            tail = b""
        self.macro(b"E", stage_macros[b"E"])
        resp = self.eom(tail)
        res.finish("eom", resp)
        return res

    def _end_transaction(self, res):
        """_end_transaction - after an early verdict, reset the message."""
        if res.verdict in ("shutdown", "conn_fail"):
            return
        if self.in_message and self.sock is not None:
            self.abort()


def _argv(first, args):
    """_argv - NUL-separated argument vector for MAIL/RCPT."""
    first = first if isinstance(first, str) else first.decode()
    if not first.startswith("<"):
        first = "<%s>" % first
    out = _b(first) + b"\0"
    for a in args:
        out += _b(a) + b"\0"
    return out


def _strip_angle(addr):
    """_strip_angle - "<a@b>" -> "a@b"."""
    addr = addr if isinstance(addr, str) else addr.decode()
    return addr.strip().lstrip("<").rstrip(">")


def _strip_one_sp(rawvalue):
    """_strip_one_sp - drop one leading SP (not TAB), as Postfix does."""
    return rawvalue[1:] if rawvalue.startswith(" ") else rawvalue


def _stage_macros(client, macros, client_ip, client_name, client_port,
                  mail_from, queue_id, helo):
    """_stage_macros - build {cmd: {name: value}} like Postfix would."""
    stages = {c: {} for c in (b"C", b"H", b"M", b"R", b"T", b"N", b"E")}
    qid = queue_id or "4T%08X" % (int(time.time() * 1000) & 0xFFFFFFFF)
    stages[b"C"].update({
        "j": "mx.test.example", "{daemon_name}": "smtpd",
        "{daemon_addr}": "127.0.0.1", "v": "Postfix 3.7.11",
        # Postfix sends {client_addr} in its rfc_addr form: IPv6
        # addresses carry an "IPv6:" prefix there (not in SMFIC_CONNECT)
        "{client_addr}": ("IPv6:" + client_ip) if ":" in client_ip
        and not client_ip.startswith("/") else client_ip,
        "{client_name}": client_name or "unknown",
        "{client_port}": str(client_port),
        "_": "%s [%s]" % (client_name or "unknown", client_ip),
    })
    for st in _EVERY_MSG_STAGE:
        stages[st]["i"] = qid
    stages[b"M"].update({"{mail_addr}": _strip_angle(mail_from),
                         "{mail_mailer}": "smtp"})
    stages[b"R"].update({"{rcpt_mailer}": "smtp"})
    for k, v in (macros or {}).items():
        if isinstance(k, bytes) and len(k) == 1:
            for n, val in v.items():
                _set(stages.setdefault(k, {}), n, val)
            continue
        if k == "i":
            for st in _EVERY_MSG_STAGE:
                _set(stages[st], k, v)
            continue
        _set(stages[_STAGE_OF.get(k, b"C")], k, v)
    return stages


def _set(d, name, value):
    """_set - set or (value None) remove a macro."""
    if value is None:
        d.pop(name, None)
    else:
        d[name] = value


class MessageResult:
    """MessageResult - what happened to one message.

    verdict: the final reply name ("continue", "accept", "reject",
        "tempfail", "discard", "replycode", "shutdown", "conn_fail").
    stage: where it was decided ("connect", "helo", "mail", "rcpt", "data",
        "header", "eoh", "body", "eom").
    disposition: what the MTA would do: "accept", "quarantine" (accepted
        into the hold queue), "reject", "tempfail", "discard", "shutdown".
    reply / code / text: SMTP reply of a replycode ("550 5.7.1 ...").
    actions: every modification Action; added_headers [(name, value)],
        inserted_headers [(index, name, value)], changed_headers
        [(index, name, value)], deleted_headers [(index, name)],
        quarantine (reason or None).
    headers: the header list after applying the modifications, as
        [(name, rawvalue)] (rawvalue is what follows the colon);
        message: the resulting message as bytes (CRLF line ends).
    replies: [(stage, Response)] in order; rejected_rcpts [(rcpt, Response)].
    """

    def __init__(self, leadspc=False):
        self.leadspc = leadspc
        self.verdict = None
        self.stage = None
        self.reply = None
        self.replies = []
        self.rejected_rcpts = []
        self.actions = []
        self.sent_headers = []
        self.sent_body = b""
        self._headers = None

    def step(self, stage, resp):
        """step - record a non-EOM reply; False when it ends the message."""
        self.replies.append((stage, resp))
        if resp.final:
            self.finish(stage, resp)
            return False
        return True

    def finish(self, stage, resp):
        """finish - record the final reply."""
        if not self.replies or self.replies[-1][1] is not resp:
            self.replies.append((stage, resp))
        self.stage = stage
        self.verdict = resp.verdict
        self.reply = resp.reply
        self.actions = list(resp.actions)
        self._headers = None

    @property
    def code(self):
        return self.reply[:3] if self.reply else None

    @property
    def text(self):
        return self.reply[4:] if self.reply else None

    @property
    def quarantine(self):
        for a in self.actions:
            if a.kind == "quarantine":
                return a.value
        return None

    @property
    def disposition(self):
        v = self.verdict
        if v == "replycode":
            return "reject" if self.reply.startswith("5") else "tempfail"
        if v in ("continue", "accept"):
            return "quarantine" if self.quarantine is not None else "accept"
        if v == "conn_fail":
            return "tempfail"
        return v

    @property
    def added_headers(self):
        return [(a.name, a.value) for a in self.actions
                if a.kind == "addheader"]

    @property
    def inserted_headers(self):
        return [(a.index, a.name, a.value) for a in self.actions
                if a.kind == "insheader"]

    @property
    def changed_headers(self):
        return [(a.index, a.name, a.value) for a in self.actions
                if a.kind == "chgheader"]

    @property
    def deleted_headers(self):
        return [(a.index, a.name) for a in self.actions
                if a.kind == "chgheader" and a.value == ""]

    @property
    def headers(self):
        if self._headers is None:
            self._headers = apply_modifications(self.sent_headers,
                                                self.actions, self.leadspc)
        return self._headers

    def header_values(self, name):
        """header_values - values (leading space removed, unfolded with
        the line breaks kept as "\\n") of every resulting header called
        name, top to bottom."""
        return [_strip_one_sp(v).lstrip(" \t") for n, v in self.headers
                if n.lower() == name.lower()]

    @property
    def message(self):
        return render_headers(self.headers) + b"\r\n" + self.sent_body

    def __repr__(self):
        return "MessageResult(%s at %s, reply=%r, actions=%r)" % (
            self.verdict, self.stage, self.reply, self.actions)


def split_message(raw):
    """split_message - raw message -> ([(name, rawvalue)], body bytes).

    Line ends become CRLF in the body (what an MTA sends to milters); a
    folded header keeps its line breaks as "\\n" in rawvalue. A line
    without a colon in the header block ends the headers (it becomes
    body), as in Postfix.
    """
    raw = _b(raw).replace(b"\r\n", b"\n")
    lines = raw.split(b"\n")
    headers = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == b"":
            i += 1
            break
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + "\n" + line.decode(
                "utf-8", "surrogateescape"))
            i += 1
            continue
        colon = line.find(b":")
        if colon <= 0 or b" " in line[:colon].rstrip(b" \t") \
                or b"\t" in line[:colon].rstrip(b" \t"):
            break
        name = line[:colon].rstrip(b" \t").decode("utf-8", "surrogateescape")
        headers.append((name, line[colon + 1:].decode(
            "utf-8", "surrogateescape")))
        i += 1
    body_lines = lines[i:]
    body = b"\r\n".join(body_lines)
    if body_lines and body_lines[-1] != b"":
        body += b"\r\n"
    return headers, body


def _newval(value, leadspc):
    """_newval - a milter-supplied value -> rawvalue for rendering."""
    return value if leadspc else " " + value


def apply_modifications(headers, actions, leadspc=False):
    """apply_modifications - apply header actions like Postfix's cleanup.

    headers: [(name, rawvalue)] as received; actions: Actions in order.
    Returns a new list; the input is not changed.
    """
    out = list(headers)
    for a in actions:
        if a.kind == "addheader":
            out.append((a.name, _newval(a.value, leadspc)))
        elif a.kind == "insheader":
            pos = min(max(a.index, 0), len(out))
            out.insert(pos, (a.name, _newval(a.value, leadspc)))
        elif a.kind == "chgheader":
            want = a.index if a.index > 0 else 1
            seen = 0
            for pos, (n, _v) in enumerate(out):
                if n.lower() == a.name.lower():
                    seen += 1
                    if seen == want:
                        if a.value == "":
                            del out[pos]
                        else:
                            out[pos] = (n, _newval(a.value, leadspc))
                        break
            else:
                if a.value != "":
                    out.append((a.name, _newval(a.value, leadspc)))
    return out


def render_headers(headers):
    """render_headers - [(name, rawvalue)] -> header block bytes (CRLF)."""
    out = bytearray()
    for name, value in headers:
        text = "%s:%s" % (name, value)
        out += text.encode("utf-8", "surrogateescape").replace(
            b"\r\n", b"\n").replace(b"\n", b"\r\n") + b"\r\n"
    return bytes(out)


def send_message(spec, raw, timeout=None, **kw):
    """send_message - connect to the milter at spec, send one message, quit.

    Keyword arguments are those of MilterClient.send_message. Returns the
    MessageResult; its .client attribute keeps the negotiated flags.
    """
    client = MilterClient(spec, timeout=timeout)
    client.connect()
    try:
        res = client.send_message(raw, **kw)
        res.client = client
        return res
    finally:
        client.quit()


def wait_for_socket(spec, timeout=None, proc=None):
    """wait_for_socket - poll until spec accepts a connection (bounded).

    proc: optional subprocess.Popen; returns False early if it exits.
    Returns True when a connection succeeded within timeout (None: the
    scaled DEFAULT_TIMEOUT).
    """
    parse_socket_spec(spec)  # a bad spec raises at once
    if timeout is None:
        timeout = scaled(DEFAULT_TIMEOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        if poke(spec):
            return True
        time.sleep(0.05)
    return False


def poke(spec):
    """poke - one connection to spec, closed at once (up to 0.2 s).

    A libmilter milter told to stop (SIGTERM) sees it only when its
    listener's select on the listening socket returns, otherwise after a
    5 s timeout: a connection ends that wait. True when it connected."""
    family, addr = parse_socket_spec(spec)
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(0.2)
    try:
        s.connect(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_poking(proc, spec, timeout):
    """wait_poking - wait up to timeout for subprocess proc to exit after
    a stop signal, poking spec every 0.1 s meanwhile (see poke); its exit
    status, or None when it still runs."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            poke(spec)
        except ValueError:  # not a socket spec we can reach
            pass
        time.sleep(0.1)
    return proc.poll()


# Ports free_port picks from when the ephemeral range leaves room below it
PICK_LOW = 10000
PICK_TRIES = 200


def ephemeral_range(path="/proc/sys/net/ipv4/ip_local_port_range"):
    """ephemeral_range - (low, high) of the ports the kernel gives to
    bind(0) and to outgoing connections; Linux's default without /proc"""
    try:
        with open(path) as f:
            low, high = (int(x) for x in f.read().split()[:2])
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def _bindable(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.bind((host, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(family=socket.AF_INET, host="127.0.0.1"):
    """free_port - a currently free TCP port on a loopback address, for a
    server the test starts next. Picked at random below the ephemeral
    range: a port from bind(0) lies inside it, and until the server binds
    it any outgoing connection of the machine (another test, Postfix's
    own clients) may take it as its source port, which once made Postfix
    fail to start. Falls back to bind(0) when there is no room below."""
    low, _ = ephemeral_range()
    if low - 1 > PICK_LOW:
        rng = random.SystemRandom()
        for _ in range(PICK_TRIES):
            port = rng.randint(PICK_LOW, low - 1)
            if _bindable(family, host, port):
                return port
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()
