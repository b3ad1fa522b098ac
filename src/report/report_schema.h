/* report_schema.h - the aggregate-report store's tables (schema version 1)
 *
 * One statement per array entry, plain SQL that SQLite runs as written.
 * messages: one row per DMARC evaluation (see report_row.h); dkim holds
 * the signatures as "d<TAB>s<TAB>result" lines. reports: one row per
 * (policy domain, period) the report job has claimed, sent, skipped or
 * failed (detail: why; sent_to: the addresses it already went to, so a
 * retry never sends twice); its primary key is the claim that stops a
 * report going out twice. written_batches: the id of every batch the
 * daemons' writers inserted, so that a batch whose COMMIT went unanswered
 * is not written twice when retried (added after version 1 was
 * released: made by CREATE ... IF NOT EXISTS at every open, an older
 * daemon ignores it; the writers forget ids older than a day, the
 * report job's --expire with the messages). store_identity: one row
 * (one = 1) holding the store's random identity, put into the names of
 * its reports (report_name.c says why); added after version 1 too, made
 * and filled at every open when missing, so a store of an earlier
 * version gets one at its next open and older programs, which ignore
 * it, keep working: no version bump. schema_version: the version the
 * tables were made with; a store with another version is refused, never
 * altered behind the admin's back.
 */
#ifndef AUTHMILTER_REPORT_SCHEMA_H
#define AUTHMILTER_REPORT_SCHEMA_H

#define REPORT_SCHEMA_VERSION 1

static const char *const report_schema_sql[] = {
	"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
	"CREATE TABLE IF NOT EXISTS messages ("
	" arrival BIGINT NOT NULL, queue_id TEXT NOT NULL,"
	" source_ip TEXT NOT NULL, header_from TEXT NOT NULL,"
	" envelope_from TEXT NOT NULL, policy_domain TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	" adkim TEXT NOT NULL, aspf TEXT NOT NULL, testing TEXT NOT NULL,"
	" psd TEXT NOT NULL, fo TEXT NOT NULL, pct INTEGER NOT NULL,"
	" rua TEXT NOT NULL,"
	" ruf TEXT NOT NULL, discovery TEXT NOT NULL,"
	" dmarc_result TEXT NOT NULL, dkim_aligned INTEGER NOT NULL,"
	" spf_aligned INTEGER NOT NULL, disposition TEXT NOT NULL,"
	" override_type TEXT NOT NULL, override_comment TEXT NOT NULL,"
	" spf_domain TEXT NOT NULL, spf_scope TEXT NOT NULL,"
	" spf_result TEXT NOT NULL, dkim TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS messages_period"
	" ON messages (policy_domain, arrival)",
	"CREATE INDEX IF NOT EXISTS messages_arrival ON messages (arrival)",
	"CREATE TABLE IF NOT EXISTS reports ("
	" policy_domain TEXT NOT NULL, period_begin BIGINT NOT NULL,"
	" period_end BIGINT NOT NULL, state TEXT NOT NULL,"
	" claimed_by TEXT NOT NULL, claimed_at BIGINT NOT NULL,"
	" done_at BIGINT NOT NULL DEFAULT 0, report_id TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '', sent_to TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (policy_domain, period_begin))",
	/* for the writer's once-a-batch question whether a period not
	 * over has been reported (report_store_ahead_sql); made at every
	 * open like written_batches, so an older store gets it */
	"CREATE INDEX IF NOT EXISTS reports_end ON reports (period_end)",
	"CREATE TABLE IF NOT EXISTS written_batches ("
	" id TEXT NOT NULL PRIMARY KEY, written_at BIGINT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS written_batches_at"
	" ON written_batches (written_at)",
	"CREATE TABLE IF NOT EXISTS store_identity ("
	" one INTEGER NOT NULL PRIMARY KEY CHECK (one = 1), id TEXT NOT NULL)",
	NULL
};

/* the columns of messages in the order report_store inserts them */
#define REPORT_MESSAGE_COLUMNS 28

#endif
