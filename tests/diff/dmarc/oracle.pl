#!/usr/bin/perl
# oracle.pl PORT - Mail::DMARC (libmail-dmarc-perl) as the DMARC oracle.
# Its resolver asks only 127.0.0.1:PORT (the test's DNS server). Reads one
# JSON case a line on stdin: {"id", "from", "spf": [{domain, scope,
# result}], "dkim": [{domain, selector, result}]} (the SPF and DKIM results
# authcheck computed, so only the DMARC step is compared) and writes one
# JSON line a case: result, disposition, the record it used (p, sp,
# policy domain) and whether it took the author as a subdomain, or error.
use strict;
use warnings;
use JSON::PP;
use Net::DNS;
use Mail::DMARC::PurePerl;

my $port = shift or die "usage: oracle.pl PORT\n";
my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port,
    recurse => 1, dnsrch => 0, defnames => 0, udp_timeout => 3,
    tcp_timeout => 3, retry => 1);
my $json = JSON::PP->new->canonical;
$| = 1;
while (my $line = <STDIN>) {
    next unless $line =~ /\S/;
    my $c = $json->decode($line);
    my %out = (id => $c->{id});
    eval {
        my $d = Mail::DMARC::PurePerl->new;
        $d->set_resolver($res);
        $d->header_from($c->{from});
        $d->spf($c->{spf});
        $d->dkim($c->{dkim});
        my $r = $d->validate;
        $out{result} = $r->result;
        $out{disposition} = lc($r->disposition // '');
        my $pol = eval { $r->published };
        if ($pol) {
            $out{p} = $pol->{p};
            $out{sp} = $pol->{sp};
            $out{policy_domain} = $pol->{domain};
        }
        $out{is_subdomain} = $d->is_subdomain ? 1 : 0;
        1;
    } or do { $out{error} = "$@"; };
    print $json->encode(\%out), "\n";
}
