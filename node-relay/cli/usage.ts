// Help texts of the `peertree` command.
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config/relay-config.ts';

export const MAIN_USAGE = `PeerTree: a peer-to-peer tree of relays that stores files as signed, content-addressed shards.

Usage: peertree <command> [options]

Commands:
  relay                      start a relay (the root of a new tree unless --join is given)
  leave --data DIR           the relay on DIR leaves its tree for good (running or stopped)
  status --relay URL         print a relay's status JSON
  put FILE --relay URL       store a file (encrypted unless --public); prints its capability
  get CAPABILITY --relay URL -o FILE
                             fetch, verify and write a file
  delete CAPABILITY --relay URL
                             release your pins on a file (signed with your key)
  remember TEXT --relay URL  store a signed memory (text, --tag, --ref CAPABILITY)
  search WORDS --relay URL   search every relay's memories; prints JSON lines
  forget ID --relay URL      forget a memory you wrote
  ledger register|transfer|annotate|history|verify|whoami
                             the asset provenance ledger (peertree ledger --help)

Run \`peertree <command> --help\` for a command's options. Docs: docs/relay.md
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
`;

export const STATUS_USAGE = `Usage: peertree status --relay URL [--admin-token-file FILE] [--public]

Prints the relay's GET /api/status JSON. URL may be https://host:port, wss://host:port/ws or http://…
From the relay's own machine, or with the relay's admin token (--admin-token-file), that is the admin view
("view": "admin": connected peers and clients, members, counters); otherwise the public view. --public asks for
the public view (what everyone sees).
A self-signed certificate is accepted for this request: the relay's identity is its signing key, not its certificate.
`;
