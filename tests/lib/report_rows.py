"""report_rows - the rows a daemon wrote to a sqlite: ReportStore.

Exported:
    count(db)                   rows in its messages table; -1 while the
                                store or the table is not there (read-only:
                                never makes the file)
    wait_count(db, n, timeout)  wait (bounded) until there are at least n;
                                the last count
"""

import sqlite3
import time


def count(db):
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        try:
            return con.execute("SELECT count(*) FROM messages").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def wait_count(db, n, timeout):
    end = time.monotonic() + timeout
    got = count(db)
    while got < n and time.monotonic() < end:
        time.sleep(0.05)
        got = count(db)
    return got
