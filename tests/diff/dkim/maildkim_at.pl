#!/usr/bin/perl
# maildkim_at.pl - run tests/dkim/verify_maildkim.pl (Mail::DKIM's
# verdicts, keys from a table) with the clock pinned, so that x= is judged
# at the corpus's time and not today's.
#
# Usage: maildkim_at.pl NOW VERIFY_MAILDKIM.PL KEYS.TXT < list of paths
# Output as verify_maildkim.pl's: "path<TAB>verdict;verdict..."
use strict;
use warnings;

my $now;
BEGIN {
	$now = shift @ARGV;
	die "usage: maildkim_at.pl NOW VERIFY_MAILDKIM.PL KEYS.TXT\n"
	    unless defined $now && $now =~ /^\d+$/;
	# before Mail::DKIM is compiled, so its time() calls see this one
	*CORE::GLOBAL::time = sub () { $now };
}
my $script = shift @ARGV;
my $rv = do $script;
die "$script: $@" if $@;
die "$script: $!\n" unless defined $rv || !$!;
