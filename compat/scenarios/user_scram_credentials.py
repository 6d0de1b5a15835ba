"""DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), KIP-554, as
`kafka-configs --entity-type users` and AdminClient send them: upsertions carry the
salted password (RFC 5802's Hi(password, salt, i)), never the password; describe
shows each user's mechanisms and iteration counts, never a key. Every check of
Kafka's validation: unknown mechanism, too few/many iterations, empty user name,
a user altered twice (or altered and deleted) in one request, deleting what does
not exist, describing a user twice or one without credentials; with the messages.

The broker under test starts without SCRAM users (strand's plain listener has no
users file; the reference Kafka has none). The users are named after GROUP so a
reference Kafka reused between runs is cleaned up first; only those are shown.
Results inside one response are sorted by user: Kafka answers in its hash maps'
order, and clients match results by name."""
import hashlib
from common import *

SHA256, SHA512 = 1, 2
MECHANISMS = {SHA256: "sha256", SHA512: "sha512"}
PREFIX = f"{GROUP}-"
ALICE, BOB, CAROL = PREFIX + "alice", PREFIX + "bob", PREFIX + "carol"
SALT = b"a-salt-of-sixteen"


def upsert(name, mechanism=SHA256, iterations=4096, password="pw", salt=SALT):
    digest = MECHANISMS.get(mechanism, "sha256")
    salted = hashlib.pbkdf2_hmac(digest, password.encode(), salt, max(1, min(iterations, 20000)))
    return {"name": name, "mechanism": mechanism, "iterations": iterations, "salt": salt, "salted_password": salted}


def delete(name, mechanism=SHA256):
    return {"name": name, "mechanism": mechanism}


def ours(name):
    return name.startswith(PREFIX) or name in ("", "nobody")


def label(name):
    return name[len(PREFIX):] if name.startswith(PREFIX) else repr(name)


def alter(title, deletions=(), upsertions=()):
    r = Conn().request("AlterUserScramCredentials", 0, deletions=list(deletions), upsertions=list(upsertions))
    out(f"{title}:")
    for result in sorted(r["results"], key=lambda x: x["user"]):
        out(f"  {label(result['user'])}: {err_name(result['error_code'])} message={result['error_message']!r}")


def describe(title, users):
    r = Conn().request("DescribeUserScramCredentials", 0,
                       users=None if users is None else [{"name": u} for u in users])
    out(f"{title}: top={err_name(r['error_code'])} message={r['error_message']!r}")
    for result in sorted(r["results"], key=lambda x: x["user"]):
        if not ours(result["user"]):
            continue
        infos = sorted((i["mechanism"], i["iterations"]) for i in result["credential_infos"])
        out(f"  {label(result['user'])}: {err_name(result['error_code'])} message={result['error_message']!r} "
            f"credentials={infos}")


# Leftovers of an earlier run on a reused reference Kafka (nothing on a fresh strand).
r = Conn().request("DescribeUserScramCredentials", 0, users=None)
leftovers = [(res["user"], i["mechanism"]) for res in r["results"] if res["user"].startswith(PREFIX)
             for i in res["credential_infos"]]
for user, mechanism in leftovers:
    Conn().request("AlterUserScramCredentials", 0, deletions=[delete(user, mechanism)], upsertions=[])

describe("describe all, none yet", None)
alter("an empty request")
alter("create alice SHA-256 x8192, bob SHA-512 x4096",
      upsertions=[upsert(ALICE, SHA256, 8192), upsert(BOB, SHA512, 4096)])
alter("alice SHA-512 x16384 (a second mechanism)", upsertions=[upsert(ALICE, SHA512, 16384)])
describe("describe alice and bob", [ALICE, BOB])
describe("describe all (null)", None)
describe("describe all (empty list)", [])
describe("describe one without credentials", ["nobody"])
describe("describe alice twice and bob", [ALICE, BOB, ALICE])
describe("describe the empty name", [""])

alter("iterations 4095, 16385, 4096 and 16384", upsertions=[
    upsert(CAROL, SHA256, 4095), upsert(PREFIX + "c2", SHA512, 16385),
    upsert(PREFIX + "c3", SHA256, 4096), upsert(PREFIX + "c4", SHA512, 16384)])
alter("iterations 0 and -1", upsertions=[upsert(CAROL, SHA256, 0), upsert(PREFIX + "c2", SHA256, -1)])
alter("mechanisms 0, 3 and -1", upsertions=[upsert(CAROL, 0), upsert(PREFIX + "c2", 3), upsert(PREFIX + "c5", -1)])
alter("an empty user name", upsertions=[upsert("")])
alter("an empty user name with an unknown mechanism", upsertions=[upsert("", 0)])
alter("delete the empty name, a missing credential, with mechanism 0",
      deletions=[delete(""), delete(CAROL), delete(PREFIX + "c2", 0)])
alter("delete bob's SHA-256, which he does not have", deletions=[delete(BOB, SHA256)])
alter("upsert and delete alice in one request", deletions=[delete(ALICE, SHA512)],
      upsertions=[upsert(ALICE, SHA256, 4096)])
alter("upsert carol twice (both mechanisms)", upsertions=[upsert(CAROL, SHA256), upsert(CAROL, SHA512)])
alter("upsert carol three times", upsertions=[upsert(CAROL), upsert(CAROL), upsert(CAROL)])
alter("delete bob twice", deletions=[delete(BOB, SHA512), delete(BOB, SHA512)])
alter("delete a missing one, then upsert the same user",
      deletions=[delete(CAROL)], upsertions=[upsert(CAROL)])
alter("an invalid upsertion, then a valid one for the same user",
      upsertions=[upsert(CAROL, SHA256, 1), upsert(CAROL, SHA256, 4096)])
alter("an empty salt and an empty salted password",
      upsertions=[upsert(PREFIX + "c6", salt=b""), dict(upsert(PREFIX + "c7"), salted_password=b"")])
describe("describe after the refused alterations", None)

alter("alice SHA-256 again, now x4096", upsertions=[upsert(ALICE, SHA256, 4096, password="new")])
describe("describe alice", [ALICE])
alter("delete alice SHA-256, keep SHA-512", deletions=[delete(ALICE, SHA256)])
describe("describe alice", [ALICE])
alter("delete alice SHA-512 and bob SHA-512", deletions=[delete(ALICE, SHA512), delete(BOB, SHA512)])
describe("describe alice and bob, deleted", [ALICE, BOB])
alter("delete alice SHA-512 again", deletions=[delete(ALICE, SHA512)])

# Clean up what the checks created, so describe-all is empty again.
r = Conn().request("DescribeUserScramCredentials", 0, users=None)
for res in r["results"]:
    if res["user"].startswith(PREFIX):
        for i in res["credential_infos"]:
            Conn().request("AlterUserScramCredentials", 0, deletions=[delete(res["user"], i["mechanism"])],
                           upsertions=[])
describe("describe all after cleaning up", None)
