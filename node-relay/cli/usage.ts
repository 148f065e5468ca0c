// Help texts of the `peertree` command.
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config/relay-config.ts';

/** Options every command that talks to a relay takes, and the exit codes (appended to each command's help). */
export const CLIENT_OPTIONS = `
Common options:
  --relay URL            the relay to talk to: https://host:port (or http://… for a relay started with --http).
                         Default: $PEERTREE_RELAY, else "relay" in $PEERTREE_HOME/config.json (peertree config)
  --timeout D            give up after this long without progress (default 120s; e.g. 500ms, 30s, 5m)
  --connect-timeout D    limit for reaching the relay and its handshake (default 10s)
  -h, --help             this text
Exit codes: 0 done; 1 the network or a relay failed or refused; 2 a usage error or your own mistake
(a missing file, a folder where a file was meant, a place that cannot be written).
`;

export const MAIN_USAGE = `PeerTree: a peer-to-peer tree of relays that stores files as signed, content-addressed shards.

Usage: peertree <command> [options]

Commands:
  relay                      start a relay (the root of a new tree unless --join is given)
  leave --data DIR           the relay on DIR leaves its tree for good (running or stopped)
  status                     print a relay's status JSON
  put FILE                   store a file (encrypted unless --public); prints its capability
  get CAPABILITY -o FILE     fetch, verify and write a file (-o - for standard output)
  ls                         list what your key pins on the relays (shards, sizes, copies, names where known)
  delete CAPABILITY          release your pins on a file (signed with your key)
  remember TEXT              store a signed memory (text, --tag, --ref CAPABILITY)
  search WORDS               search every relay's memories; prints JSON lines
  forget ID                  forget a memory you wrote
  ledger register|transfer|annotate|history|verify|whoami
                             the asset provenance ledger (peertree ledger --help)
  s3 [--listen HOST:PORT]    run a local S3 gateway for rclone, restic, the AWS CLI, s3cmd (peertree s3 --help)
  config [set|get|unset] KEY [VALUE]
                             your client settings, e.g. the default relay (peertree config --help)
  version                    print the version (also --version)

Commands that talk to a relay take --relay URL; without it they use $PEERTREE_RELAY, else the "relay" saved
with \`peertree config set relay URL\`.

Examples:
  peertree relay --port 8443 --data ~/relay-a                 # a new tree; prints its ready line
  peertree config set relay https://127.0.0.1:8443            # the default relay from now on
  peertree put holiday.jpg                                    # last line: the capability
  peertree get pt1.… -o holiday-copy.jpg
  peertree ls

Exit codes (every command): 0 done; 1 the network or a relay failed or refused; 2 a usage error or your own
mistake (a missing file, a folder where a file was meant, a place that cannot be written).

Run \`peertree <command> --help\` for a command's options and examples. Docs: docs/relay.md, docs/operating.md
`;

export const VERSION_USAGE = `Usage: peertree version

Prints the version of this peertree (the package version), one line. \`peertree --version\` does the same.

Example:
  peertree version
`;

export const RELAY_USAGE = `Usage: peertree relay [options]

Starts a relay. Its first stdout line is one JSON object: {"url", "id", "treeId", "position", "pid", ...}.
Logs go to stderr as JSON lines.

SIGTERM or SIGINT stops it cleanly to come back (exit code 0): it does not leave its tree, and started again
with the same data folder (with or without --join) it resumes its place. While it is down the tree keeps its
position; if it stays away past the tree's time-out, the other relays remove it as dead and it rejoins at the
end when it comes back. To leave a tree for good, run \`peertree leave --data DIR\`.

Options:
  --port P          TCP port (default ${DEFAULT_PORT}: any free port; \`npm start\` uses 8443)
  --host H          address to listen on (default ${DEFAULT_HOST})
  --data DIR        data folder: keys, certificate, database (default ${DEFAULT_DATA_DIR})
  --join URL        join the tree of the relay at URL, any member (repeatable: tried in turn)
  --max-peers K     k of the k-ary tree when creating one (default 4; joiners take the tree's k)
  --replicas N      copies kept of each shard (default 3)
  --cert FILE       PEM certificate to use instead of the self-signed one (needs --key)
  --key FILE        PEM private key for --cert
  --domain NAME     get a browser-trusted certificate for NAME by ACME (HTTP-01) and renew it; NAME must
                    resolve to this relay and port 80 (or what --acme-http-port receives) must reach it.
                    Using it accepts the CA's terms of service. Relays still trust each other by their keys.
  --acme-directory URL  the ACME CA's directory (default Let's Encrypt production)
  --acme-email ADDR the CA's contact for expiry and account notices (optional)
  --acme-ca-file FILE  PEM CA certificates to trust for the ACME server's HTTPS (a private or test CA)
  --acme-http-port P  port of the HTTP-01 challenge listener on --host (default 80)
  --http            plain HTTP, only on a loopback host (development)
  --static DIR      folder of the built PWA (default: the repository's dist/)
  --log-level L     debug, info, warn or error (default info)
  --allow ID,...    join control: relay ids admitted to this tree (repeatable)
  --operator-key HEX  join control: operator public key whose signed join tokens admit relays
  --join-token FILE the join token this relay presents to a closed tree
  --diag            test hook: clients may send/broadcast diag notes; receipts in /api/status
  --capacity BYTES  most bytes of shards kept here (suffix K, M, G, T); beyond it: FULL
  --quota N         most shards one key may pin on this relay (default 100000); beyond it: FULL
  --quota-bytes B   most bytes one key may pin here, each shard counted as whole disk blocks
                    plus 1 KiB of metadata (default 64G; suffix K, M, G, T); beyond it: FULL
  --rate-limit N    messages per second one key may send (default 500; an address 4×); beyond it: RATE_LIMITED
  --leave-on-stop   SIGTERM/SIGINT leave the tree for good before stopping (as \`peertree leave\` does)
  --admin-token-file FILE  bearer token (one line, 16+ characters) that shows the admin status (client ids,
                    members, peers, counters) and /metrics from anywhere; without it only this machine sees them
  --metrics-token-file FILE  bearer token for /metrics only (give this one to Prometheus)
  --admin-token-only  the admin status and /metrics need a token even from this machine (behind a local proxy)
  --repair-interval MS  time between sweeps that audit the holders of the shards kept here and repair or trim
                    their copies (default 60000, at least 100; tests use short ones)
  --config FILE     JSON settings named like the flags ({"port": 8443, "join": ["https://…"]})
Every flag can also be set as an environment variable PEERTREE_<FLAG> (PEERTREE_MAX_PEERS=8, PEERTREE_HTTP=1);
flags win over the environment, the environment over the config file.
  -h, --help        this text

The ready line is printed once the relay is in its tree: a joining relay prints it when it has joined (its
real tree id and position), or, when its contact cannot be reached yet, at once with "joined": false (it keeps
trying; see \`peertree status\`).

Examples:
  peertree relay --port 8443 --data /var/lib/peertree                       # the root of a new tree
  peertree relay --port 8444 --data ./relay-b --join https://127.0.0.1:8443 # join that tree
  PEERTREE_CONFIG=/etc/peertree/relay.json peertree relay

Exit codes: 0 stopped cleanly; 1 could not start, or joining was refused; 2 a usage error.
`;

export const LEAVE_USAGE = `Usage: peertree leave [--data DIR] [--config FILE]

The relay whose data folder is DIR (default ${DEFAULT_DATA_DIR}; PEERTREE_DATA and the config file's "data" work
as for \`peertree relay\`) leaves its tree for good.

- If the relay is running on DIR, it is asked to leave gracefully: it announces the leave, the last relay of the
  tree takes its position at once, and it stops (exit code 0). This command waits (bounded) until the relay has
  left and exited, and says so; it finds the relay through DIR/running.json and signs the request with the
  relay's own key from DIR/identity.seed (a relay refuses this request from any other key: FORBIDDEN).
- If no relay is running on DIR, its saved tree membership is forgotten (and it gets a fresh tree id). The
  other relays remove it as dead after their time-out for silent relays.

Either way the next \`peertree relay --data DIR\` does not resume the old tree: without --join it is the root
of a new tree; with --join URL it joins the tree of that relay. Its identity and stored shards stay in DIR.

Exit code 0 when the relay has left (or had no tree to leave), 1 on failure, 2 on a usage error.

Example:
  peertree leave --data /var/lib/peertree
`;

export const STATUS_USAGE = `Usage: peertree status [--relay URL] [--admin-token-file FILE] [--public]

Prints the relay's GET /api/status JSON. URL may be https://host:port, wss://host:port/ws or http://…
From the relay's own machine, or with the relay's admin token (--admin-token-file), that is the admin view
("view": "admin": connected peers and clients, members, counters); otherwise the public view. --public asks for
the public view (what everyone sees).
A self-signed certificate is accepted for this request: the relay's identity is its signing key, not its certificate.
The whole request must be answered within --connect-timeout.
${CLIENT_OPTIONS}
Examples:
  peertree status --relay https://127.0.0.1:8443
  peertree status --public | jq .size
`;
