#!/usr/bin/python3
"""test_doc_options - every configuration option is documented with its
default, in doc/authmilter.conf.5 and in contrib/authmilter.conf.

The option list and the defaults come from src/conf/conf_options.c (the
one table the loader walks); the daemon's own `authmilter -t` dump of an
empty file must name exactly the same options, so a table this parser
misreads fails here instead of passing silently.

Rules checked, option by option:
  man page   a ".TP" entry whose tag line is ".B Name", whose text says
             "Default:" and, when the table has a default, shows that
             default text after it;
  sample     a line "Name value" or "#Name value"; an active line whose
             value is not the default needs "Default: <default>" in the
             comment block just above it (a deliberate sample choice).
  list       a list option with a default says that a list given
             replaces it (InternalHosts without 127.0.0.0/8 leaves local
             submissions unsigned);
  range      a number, duration or mode option's entry states its
             bounds from the table: the largest value, and the smallest
             unless it is 0 ("(10 to 10000)", "at most 1h");
Durations may be written in any unit (5m = 300s), sizes in KiB, MiB or
GiB."""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import daemon  # noqa: E402
from tap import TAP  # noqa: E402

SRC = os.environ.get("top_srcdir") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")
ROW = re.compile(r'\{\s*"([A-Za-z0-9]+)"\s*,\s*(CONF_T_[A-Z]+)\s*,\s*'
                 r'(NULL|[A-Z_][A-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*,')
DEFINE = re.compile(r'^#define\s+([A-Z_][A-Z0-9_]*)\s+((?:"[^"\n]*"\s*\\?\s*)+)$',
                    re.M)
TROFF_FONT = re.compile(r"\\f[BIRP]|\\f\(..|\\&")


def c_strings(text):
    """The value of adjacent C string literals (no escapes needed here)."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', text))


def table_options():
    """[(name, type, default or None)] in table order; a default written
    as a macro is resolved from its #define in the same file."""
    path = os.path.join(SRC, "src", "conf", "conf_options.c")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    macros = {m.group(1): c_strings(m.group(2)) for m in DEFINE.finditer(text)}
    start = text.index("conf_options[] = {")
    end = text.index("};", start)
    out = []
    for m in ROW.finditer(text[start:end]):
        d = m.group(3)
        default = None if d == "NULL" else macros.get(d, "?" + d) \
            if not d.startswith('"') else c_strings(d)
        out.append((m.group(1), m.group(2), default))
    return out


BOUNDS = re.compile(r'\{\s*"([A-Za-z0-9]+)"\s*,\s*CONF_T_(?:UINT|DURATION|'
                    r'OCTAL)\s*,[^,]*,\s*FIELD\(\w+\)\s*,\s*(\w+)\s*,'
                    r'\s*(\w+)\s*,')


def table_bounds():
    """{name: (min, max)} of the number, duration and mode options (C
    literals: 0777 is octal)."""
    path = os.path.join(SRC, "src", "conf", "conf_options.c")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    def c_int(v):
        return int(v, 8) if len(v) > 1 and v.startswith("0") else int(v)
    return {m.group(1): (c_int(m.group(2)), c_int(m.group(3)))
            for m in BOUNDS.finditer(text)}


def man_values(typ, text):
    """Every value the text writes, in the option's own unit (ms for a
    duration, the mode for an octal option)."""
    if typ == "CONF_T_DURATION":
        return {duration_ms(n + (u or "")) for n, u in
                re.findall(r"\b(\d+)\s*(ms|s|m|h)?\b", text)}
    if typ == "CONF_T_OCTAL":
        return {int(n, 8) for n in re.findall(r"\b(0[0-7]+)\b", text)}
    scale = {None: 1, "": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30}
    return {int(n) * scale[u] for n, u in
            re.findall(r"\b(\d+)(?:\s*(KiB|MiB|GiB))?\b", text)}


def man_shows_range(typ, text, lo, hi):
    """True when the text writes hi, and lo unless it is 0."""
    got = man_values(typ, text)
    return hi in got and (lo == 0 or lo in got)


def daemon_option_names():
    """Names `authmilter -t` prints for an empty configuration."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        out = subprocess.run([daemon.binary(), "-t", "-c", f.name],
                             capture_output=True, text=True, timeout=30)
    names = []
    for line in out.stdout.splitlines():
        # "Name value", or "# Name (not set)"; other comments are notes
        m = re.match(r"^([A-Za-z0-9]+)(?: |$)", line) or \
            re.match(r"^# ([A-Za-z0-9]+) \(not set\)$", line)
        if m:
            names.append(m.group(1))
    return names


def man_entries():
    """{lower name: plain text of its .TP paragraph} from the man page."""
    path = os.path.join(SRC, "doc", "authmilter.conf.5")
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    entries, i = {}, 0
    while i < len(lines):
        if lines[i].strip() == ".TP" and i + 1 < len(lines):
            m = re.match(r"^\.B\s+(\S+)\s*$", lines[i + 1])
            j = i + 2
            body = []
            while j < len(lines) and not re.match(r"^\.(TP|SH|SS|PP)\b",
                                                   lines[j]):
                body.append(re.sub(r"^\.[A-Z]{1,2}\s+", "", lines[j]))
                j += 1
            if m:
                text = TROFF_FONT.sub("", " ".join(body)).replace("\\-", "-")
                entries[m.group(1).lower()] = text
            i = j
        else:
            i += 1
    return entries


def duration_ms(v):
    m = re.match(r"^(\d+)(ms|s|m|h)?$", v.strip().lower())
    if not m:
        return None
    return int(m.group(1)) * {"ms": 1, "s": 1000, "m": 60000,
                              "h": 3600000, None: 1000}[m.group(2)]


def same_value(typ, got, want):
    got = got.strip().rstrip(".,;")
    if typ == "CONF_T_DURATION":
        return duration_ms(got) is not None and \
            duration_ms(got) == duration_ms(want)
    return " ".join(got.split()).lower() == " ".join(want.split()).lower()


def man_shows_default(typ, text, default):
    """True when 'Default:' is followed by the default value."""
    pos = text.find("Default:")
    if pos < 0:
        return False
    if default is None:
        return True
    after = text[pos + len("Default:"):].strip()
    if same_value(typ, after[:len(default) + 1], default):
        return True
    first = re.split(r"[\s(]", after, maxsplit=1)[0] if after else ""
    if typ == "CONF_T_DURATION":
        return same_value(typ, first, default)
    # a list default is written whole: "127.0.0.0/8 ::1."
    return " ".join(after.split()).lower().startswith(default.lower())


def sample_lines():
    path = os.path.join(SRC, "contrib", "authmilter.conf")
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def sample_problem(lines, name, typ, default):
    """None when the sample lists the option properly, else why not."""
    pat = re.compile(r"^(#?)\s*%s(?:\s+(.*))?$" % re.escape(name), re.I)
    found = None
    for i, line in enumerate(lines):
        m = pat.match(line)
        if m and (m.group(1) == "" or m.group(2)):
            found = (i, m.group(1) == "#", (m.group(2) or "").strip())
            if not found[1]:
                break
    if found is None:
        return "not listed"
    i, commented, value = found
    j, block = i - 1, []
    while j >= 0 and lines[j].startswith("#"):
        block.append(lines[j])
        j -= 1
    if commented or default is None:
        # an option without a default may be set when the comment above
        # says what leaving it unset does
        if not commented and default is None and \
                not re.search(r"\bUnset:", " ".join(block)):
            return ("set to %r though the option has no default (and no "
                    "'Unset:' comment above it)" % value)
        return None
    if same_value(typ, value, default):
        return None
    if re.search(r"Default:\s*%s\b" % re.escape(default), " ".join(block),
                 re.I):
        return None
    return "set to %r, default is %r, and no 'Default: %s' above it" % (
        value, default, default)


def main():
    t = TAP()
    opts = table_options()
    t.ok(len(opts) >= 30, "option table parsed (%d rows)" % len(opts))
    if t.need(check=daemon.missing, what="authmilter -t",
              tests=["table matches authmilter -t"]):
        names = daemon_option_names()
        t.is_eq(sorted(names), sorted(o[0] for o in opts),
                "table matches authmilter -t")
    man = man_entries()
    sample = sample_lines()
    bounds = table_bounds()
    t.ok(len(bounds) >= 15, "option bounds parsed (%d rows)" % len(bounds))
    for name, typ, default in opts:
        text = man.get(name.lower())
        t.ok(text is not None and man_shows_default(typ, text, default),
             "authmilter.conf(5) documents %s with its default (%s)"
             % (name, default or "unset"), diag=repr(text))
        if typ == "CONF_T_LIST" and default is not None:
            t.ok(text is not None and "replaces the default" in
                 " ".join(text.split()), "authmilter.conf(5) says a %s "
                 "list replaces the default" % name, diag=repr(text))
        if name in bounds:
            lo, hi = bounds[name]
            t.ok(text is not None and man_shows_range(typ, text, lo, hi),
                 "authmilter.conf(5) states the range of %s (%s to %s)"
                 % (name, lo, hi), diag=repr(text))
        why = sample_problem(sample, name, typ, default)
        t.ok(why is None, "contrib/authmilter.conf lists %s" % name,
             diag=why)
    t.done()


if __name__ == "__main__":
    main()
