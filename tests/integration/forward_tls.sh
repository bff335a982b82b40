#!/usr/bin/env bash
# Forwarding through a real TLS peer (#5): Debian's nginx terminates TLS with
# a CA and certificates made here by openssl, checks the credential of each
# auth type and proxies to a second otlpd. Spans sent to the first otlpd must
# show up in the second one's Arrow files, and nginx's log shows the exact
# header that arrived. Also: mutual TLS, gzip, a custom header, a wrong
# credential (401: logged, not retried), a certificate the forwarder does not
# trust (refused), a trusted certificate for another host name (refused) and
# insecure_skip_verify (works, warns). The requests of one case share one
# kept-alive connection (nginx's $connection).
set -euo pipefail
OTLPD=$1
PORT_BASE=${2:-24350}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fwd_lib.sh"

for tool in nginx openssl node; do
	command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (scripts/install-deps.sh)"; exit 77; }
done

fwd_setup
NGINX_PORT=$((PORT_BASE + 7))
A_PORT=$((PORT_BASE + 1)) # the forwarding otlpd
B_PORT=$((PORT_BASE + 4)) # the receiving otlpd behind nginx
rand() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
TOKEN=tok-$(rand)
KEY=key-$(rand)
USERNAME=fwd-user
PASSWORD="pw $(rand)"
BASIC=$(printf '%s:%s' "$USERNAME" "$PASSWORD" | base64 -w0)

# ---- certificates: a CA, a server certificate for localhost, a client one ----
T=$WORK/tls
mkdir -p "$T"
(
	cd "$T"
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key
	openssl req -x509 -new -key ca.key -days 2 -subj "/CN=otlpd test CA" -out ca.crt \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
	for who in server client; do
		openssl ecparam -name prime256v1 -genkey -noout -out $who.key
		openssl req -new -key $who.key -subj "/CN=$([ $who = server ] && echo localhost || echo otlpd-forwarder)" -out $who.csr
	done
	printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
	printf 'extendedKeyUsage=clientAuth\n' >client.ext
	for who in server client; do
		openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile $who.ext -out $who.crt
	done
	chmod 600 client.key
) >"$WORK/openssl.log" 2>&1 || { cat "$WORK/openssl.log"; fail "openssl could not make the certificates"; }
pass "CA, server and client certificates made with openssl"

# ---- nginx: TLS, one location per auth type, proxying to instance B ----
N=$WORK/nginx
mkdir -p "$N"
chmod 755 "$N"
cat >"$N/nginx.conf" <<NGINX
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path $N/body;
  proxy_temp_path $N/proxy;
  fastcgi_temp_path $N/fastcgi;
  uwsgi_temp_path $N/uwsgi;
  scgi_temp_path $N/scgi;
  client_max_body_size 64m;
  client_body_buffer_size 8m;
  proxy_buffering off;
  log_format fwd '\$uri|\$http_authorization|\$http_x_custom_key|\$http_x_tenant|\$http_content_encoding|\$ssl_client_verify|\$status|\$connection|\$connection_requests';
  access_log $N/access.log fwd;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $T/server.crt;
    ssl_certificate_key $T/server.key;
    ssl_client_certificate $T/ca.crt;
    ssl_verify_client optional;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /bearer/ {
      if (\$http_authorization != "Bearer $TOKEN") { return 401 "wrong bearer token"; }
      proxy_pass http://127.0.0.1:$B_PORT/;
    }
    location /apikey/ {
      if (\$http_x_custom_key != "$KEY") { return 401; }
      proxy_pass http://127.0.0.1:$B_PORT/;
    }
    location /basic/ {
      if (\$http_authorization != "Basic $BASIC") { return 401; }
      proxy_pass http://127.0.0.1:$B_PORT/;
    }
    location /mtls/ {
      if (\$ssl_client_verify != SUCCESS) { return 403; }
      if (\$http_authorization != "Bearer $TOKEN") { return 401; }
      proxy_pass http://127.0.0.1:$B_PORT/;
    }
  }
}
NGINX
nginx -c "$N/nginx.conf" >>"$N/out.log" 2>&1 &
STARTED+=("$!")
wait_until 5 curl -s -o /dev/null --cacert "$T/ca.crt" "https://localhost:$NGINX_PORT/" ||
	fail "nginx did not start: $(cat "$N/error.log" "$N/out.log")"
for p in $(pgrep -P "${STARTED[-1]}"); do STARTED+=("$p"); done
nginx_lines() { grep -c "^/$1/" "$N/access.log" 2>/dev/null || true; }

# ---- instance B: the receiving end ----
instance_yaml b 3 >"$WORK/b.yaml"
start_named b
B_SUP=$SUP

# ---- instance A: one configuration per case ----
# a_config PATH AUTH...: forwarding to https://${A_HOST:-localhost}:NGINX/PATH
# over one connection, so that keep-alive is seen in nginx's log.
a_config() {
	local path=$1
	shift
	instance_yaml a 0 >"$WORK/a.yaml"
	cat >>"$WORK/a.yaml" <<YAML
forwarding:
  enabled: true
  endpoint_url: https://${A_HOST:-localhost}:$NGINX_PORT/$path
  timeout_secs: 5
  max_connections: 1
  circuit_breaker: {failure_threshold: 1000}
$(printf '%s\n' "$@")
YAML
}
expected_rows=0

# case NAME PATH SENDS HEADER_FIELDS: starts A, sends SENDS requests of 100
# spans, waits for nginx to log them and checks the logged fields; several
# requests must have come one after the other over one connection.
run_case() {
	local name=$1 path=$2 sends=$3 want=$4 before
	before=$(nginx_lines "$path")
	start_named a "${CASE_ENV[@]}"
	send "$A_PORT" traces "$sends"
	wait_until 10 bash -c "[ \$(grep -c '^/$path/' '$N/access.log') -ge $((before + sends)) ]" ||
		fail "$name: nginx saw $(($(nginx_lines "$path") - before)) of $sends requests"
	local lines got reuse=""
	lines=$(grep "^/$path/" "$N/access.log" | tail -n "$sends")
	got=$(cut -d'|' -f1-7 <<<"$lines" | sort -u)
	[ "$got" = "$want" ] || fail "$name: nginx logged '$got', want '$want'"
	if [ "$sends" -gt 1 ]; then
		# $connection is the same, $connection_requests counts up by one.
		awk -F'|' 'NR > 1 && ($8 != conn || $9 != req + 1) { bad = 1 } { conn = $8; req = $9 }
			END { exit bad }' <<<"$lines" ||
			fail "$name: not one kept-alive connection: $(cut -d'|' -f8,9 <<<"$lines" | tr '\n' ' ')"
		reuse=", all over connection $(cut -d'|' -f8 <<<"$lines" | head -n 1) (requests $(cut -d'|' -f9 <<<"$lines" | tr '\n' ' ' | sed 's/ $//'))"
	fi
	expected_rows=$((expected_rows + 100 * sends))
	stop_named "$SUP"
	pass "$name: $sends requests arrived as '$want'$reuse"
}

umask 077
printf 'token: %s\n' "$TOKEN" >"$WORK/token.yaml"
umask 022

a_config bearer "  compression: gzip" "  headers: {X-Tenant: acme}" \
	"  tls: {ca_file: $T/ca.crt}" \
	"  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
CASE_ENV=()
run_case "bearer_token from credentials_file, gzip, custom header" bearer 3 \
	"/bearer/v1/traces|Bearer $TOKEN|-|acme|gzip|NONE|200"

a_config apikey "  tls: {ca_file: $T/ca.crt}" \
	"  authentication: {auth_type: api_key, header_name: X-Custom-Key, credentials_env: FWD_KEY}"
CASE_ENV=("FWD_KEY=$KEY")
run_case "api_key from credentials_env in X-Custom-Key" apikey 2 \
	"/apikey/v1/traces|-|$KEY|-|-|NONE|200"

a_config basic "  tls: {ca_file: $T/ca.crt}" "  authentication:" "    auth_type: basic" \
	"    credentials: {username: $USERNAME, password: \"$PASSWORD\"}"
CASE_ENV=()
run_case "basic from inline credentials" basic 1 "/basic/v1/traces|Basic $BASIC|-|-|-|NONE|200"
grep -q "credentials are written inline" "$WORK/a.log" || fail "no warning for inline credentials"
pass "inline credentials are warned about"

a_config mtls "  tls: {ca_file: $T/ca.crt, cert_file: $T/client.crt, key_file: $T/client.key}" \
	"  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
run_case "mutual TLS with a client certificate" mtls 1 \
	"/mtls/v1/traces|Bearer $TOKEN|-|-|-|SUCCESS|200"

a_config bearer "  tls: {insecure_skip_verify: true}" \
	"  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
run_case "insecure_skip_verify (system CA bundle would refuse)" bearer 1 \
	"/bearer/v1/traces|Bearer $TOKEN|-|-|-|NONE|200"
grep -q "insecure_skip_verify is on" "$WORK/a.log" || fail "no warning for insecure_skip_verify"
pass "insecure_skip_verify is warned about at start"

# A wrong token: nginx answers 401 once; the forwarder logs it and drops the
# data without retrying.
a_config bearer "  tls: {ca_file: $T/ca.crt}" \
	"  authentication: {auth_type: bearer_token, credentials_env: FWD_TOKEN}"
before=$(nginx_lines bearer)
start_named a FWD_TOKEN=wrong-token
send "$A_PORT" traces 1
wait_until 10 grep -q "refused traces .* with HTTP 401, not retried: \"wrong bearer token\"" "$WORK/a.log" ||
	fail "the 401 was not logged as permanent"
sleep 1.5
[ "$(nginx_lines bearer)" -eq $((before + 1)) ] || fail "a 401 was retried"
grep -q "wrong-token" "$WORK/a.log" && fail "the credential reached the log"
stop_named "$SUP"
pass "401 is permanent: logged with nginx's message, sent once"

# The system CA bundle does not know the test CA: the handshake fails, nothing
# reaches nginx's log.
a_config bearer "  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
before=$(wc -l <"$N/access.log")
start_named a
send "$A_PORT" traces 1
wait_until 10 grep -q "TLS handshake with .*(localhost): X509 - Certificate verification failed" "$WORK/a.log" ||
	fail "an untrusted certificate was not refused"
[ "$(wc -l <"$N/access.log")" -eq "$before" ] || fail "a request went through an untrusted TLS connection"
stop_named "$SUP"
pass "a certificate from an unknown CA is refused"

# A trusted certificate for another name: it names localhost only (SAN
# DNS:localhost), the endpoint is 127.0.0.1. The host name check refuses it.
A_HOST=127.0.0.1 a_config bearer "  tls: {ca_file: $T/ca.crt}" \
	"  authentication: {auth_type: bearer_token, credentials_file: $WORK/token.yaml}"
before=$(wc -l <"$N/access.log")
start_named a
send "$A_PORT" traces 1
want="TLS handshake with 127.0.0.1:$NGINX_PORT (127.0.0.1): X509 - Certificate verification failed"
wait_until 10 grep -qF "$want" "$WORK/a.log" || fail "a certificate for another host name was not refused"
grep -F "$want" "$WORK/a.log" | grep -q "Common Name (CN) does not match" ||
	fail "the refusal does not name the host name mismatch: $(grep -F "$want" "$WORK/a.log" | head -n 1)"
[ "$(wc -l <"$N/access.log")" -eq "$before" ] || fail "a request went through a connection to the wrong host name"
stop_named "$SUP"
pass "a trusted certificate for localhost is refused for https://127.0.0.1 (host name verified)"

# Everything that was accepted upstream is in instance B's files.
wait_until 20 bash -c "[ \$(node '$JS_DIR/arrow_read.mjs' '$WORK/b-data/otlp/traces' 2>/dev/null | grep -c '\"row\"') -ge $expected_rows ]" ||
	fail "instance B has $(rows "$WORK/b-data" traces) span rows, want $expected_rows"
got=$(rows "$WORK/b-data" traces)
[ "$got" -eq "$expected_rows" ] || fail "instance B has $got span rows, want exactly $expected_rows"
pass "all $expected_rows forwarded spans are in instance B's Arrow files"
for secret in "$TOKEN" "$KEY" "$PASSWORD" "$BASIC"; do
	grep -rqF -- "$secret" "$WORK"/a.log "$WORK"/b.log && fail "a credential is in an otlpd log"
done
pass "no credential in any otlpd log line"
stop_named "$B_SUP"
