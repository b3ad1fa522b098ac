#!/usr/bin/perl
# sign_maildkim.pl - sign messages with Mail::DKIM for the interop corpus.
#
# Reads jobs from stdin, one per line, tab-separated:
#   infile outfile keyfile algorithm method domain selector headers identity
#   timestamp extended
# ("-" for no identity). extended is "-" or e.g. "from=+,subject=+" (Mail::DKIM
# ExtendedHeaders: "+" signs every instance plus one absent one, i.e.
# oversigning). Writes outfile = the DKIM-Signature field followed
# by the input message. Exits non-zero on the first failure.
use strict;
use warnings;
use Mail::DKIM::Signer;
use Mail::DKIM::PrivateKey;

while (my $line = <STDIN>) {
	chomp $line;
	next if $line eq '';
	my ($in, $out, $keyfile, $alg, $method, $domain, $sel, $headers,
	    $identity, $ts, $ext) = split /\t/, $line;
	my %ext;
	if (defined $ext && $ext ne '-') {
		%ext = map { split /=/, $_, 2 } split /,/, $ext;
	}
	my $msg = do {
		open my $fh, '<:raw', $in or die "$in: $!\n";
		local $/;
		<$fh>;
	};
	my $signer = Mail::DKIM::Signer->new(
		Algorithm => $alg,
		Method    => $method,
		Domain    => $domain,
		Selector  => $sel,
		KeyFile   => $keyfile,
		Headers   => $headers,
		Timestamp => $ts,
		($identity ne '-' ? (Identity => $identity) : ()),
	);
	$signer->extended_headers(\%ext) if %ext;
	$signer->PRINT($msg);
	$signer->CLOSE;
	my $sig = $signer->signature->as_string;
	open my $oh, '>:raw', $out or die "$out: $!\n";
	print $oh $sig, "\r\n", $msg;
	close $oh;
}
