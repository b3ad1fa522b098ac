#!/usr/bin/perl
# verify_maildkim.pl - Mail::DKIM's verdicts on corpus messages, for the
# notes column of the interop manifest (gen_corpus.py).
#
# Usage: verify_maildkim.pl KEYS.TXT < list of message paths
# Prints "path<TAB>verdict;verdict..." per message (signatures in header
# order, "result(detail)" when not pass, "none" without signatures). DNS is
# answered from KEYS.TXT through a stand-in resolver; nothing goes out.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Mail::DKIM::DNS;
use Net::DNS;

package FakeResolver;

sub new {
	my ($class, $file) = @_;
	my %keys;
	open my $fh, '<', $file or die "$file: $!\n";
	while (my $line = <$fh>) {
		chomp $line;
		my ($name, $status, $txt) = split /\t/, $line, 3;
		$keys{lc $name} = [$status, $txt // ''];
	}
	close $fh;
	return bless { keys => \%keys, err => 'NOERROR' }, $class;
}

sub send {
	my ($self, $name, $type) = @_;
	my $e = $self->{keys}{lc $name};
	my $p = Net::DNS::Packet->new($name, $type);
	$self->{err} = 'NOERROR';
	if (!$e) {
		$p->header->rcode('NXDOMAIN');
		return $p;
	}
	my ($status, $txt) = @$e;
	die "DNS query timeout for $name\n" if $status eq 'timeout';
	if ($status eq 'servfail') {
		$self->{err} = 'SERVFAIL';
		return undef;
	}
	if ($status eq 'answer') {
		my @chunks = unpack '(A255)*', $txt;
		@chunks = ('') unless @chunks;
		$p->push(answer => Net::DNS::RR->new(name => $name,
		    type => 'TXT', txtdata => \@chunks));
	}
	return $p;
}

sub errorstring { return $_[0]{err} }

package main;

Mail::DKIM::DNS::resolver(FakeResolver->new($ARGV[0]));
while (my $path = <STDIN>) {
	chomp $path;
	next if $path eq '';
	my $msg = do {
		open my $fh, '<:raw', $path or die "$path: $!\n";
		local $/;
		<$fh>;
	};
	my $v = Mail::DKIM::Verifier->new;
	$v->PRINT($msg);
	$v->CLOSE;
	my @out;
	for my $sig ($v->signatures) {
		my $r = $sig->result // 'none';
		my $d = $sig->result_detail // '';
		$d =~ s/^\Q$r\E\s*//;
		push @out, $r eq 'pass' || $d eq '' ? $r : "$r($d)";
	}
	print $path, "\t", (@out ? join(';', @out) : 'none'), "\n";
}
