"""``sprg dlq ...``: read the dead letters on ``sprg.dlq`` and replay them.

``list`` prints one JSON line per dead letter (its offset in ``sprg.dlq``, when it was
dead-lettered, the consumer group, topic, partition, offset and key it came from, attempts,
the reason it failed, and the original event's id and type when readable): never the
payload (the key is a case or clock id, never personal data). ``--group`` keeps one
consumer group's. ``replay`` publishes the
original message again to its topic, with its key and headers: every consumer group
skips an event id it has applied, so only the group that failed applies it. Then it waits
(``--wait``, 60 s) for that group to commit past the replayed copy: if no new dead letter of
the event came from the group meanwhile, the event was processed, and ``replay`` publishes
``sprg.message.reprocessed.v1`` so that intake clears the record's "not processed" line
(``"processed": true``). A group that has never committed (no consumer of that name) is not
waited for (``"processed": null``); one that fails again, or is still behind at the end of
the wait, leaves the line as it is (``"processed": false``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition
from pydantic import ValidationError

from sprg_shared import topics
from sprg_shared.contracts.dead_letters import MessageDeadLettered, MessageReprocessed
from sprg_shared.envelope import Envelope, envelope_for, read_event
from sprg_shared.kafka_security import kafka_security

EXIT_NOTHING = 2


@dataclass(frozen=True)
class DeadLetter:
    dlq_offset: int
    letter: MessageDeadLettered
    at: datetime | None = None
    envelope_id: str | None = None

    def original(self) -> Envelope | None:
        try:
            return Envelope.from_bytes(self.letter.value.encode())
        except ValidationError:
            return None

    def summary(self) -> dict[str, object]:
        original = self.original()
        return {
            "dlq_offset": self.dlq_offset,
            "dead_lettered_at": self.at.isoformat() if self.at else None,
            "consumer_group": self.letter.consumer_group,
            "topic": self.letter.topic,
            "partition": self.letter.partition,
            "offset": self.letter.offset,
            "key": self.letter.key,
            "attempts": self.letter.attempts,
            "reason": self.letter.reason,
            "event_id": original.id if original else None,
            "event_type": original.type if original else None,
        }


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dlq = subcommands.add_parser("dlq", help="dead letters: list, replay")
    sub = dlq.add_subparsers(dest="dlq_command", required=True)
    listing = sub.add_parser("list", help="every dead letter still kept (90 days)")
    listing.add_argument("--group", help="only this consumer group's dead letters")
    listing.set_defaults(handler=_list)
    replay = sub.add_parser("replay", help="publish dead letters again to their original topic")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--offset", type=int, action="append", help="a dead letter's dlq offset")
    which.add_argument("--group", help="every dead letter of this consumer group")
    replay.add_argument(
        "--wait",
        type=float,
        default=60.0,
        help="seconds to wait for the failed group to process the replayed copy (0: do not)",
    )
    replay.set_defaults(handler=_replay)
    for cmd in (listing, replay):
        cmd.add_argument(
            "--bootstrap-servers",
            default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        )


def read_dead_letters(bootstrap: str, deadline_seconds: float = 30) -> list[DeadLetter]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **kafka_security()
    )
    try:
        partitions = [
            TopicPartition(topics.DLQ, p)
            for p in sorted(consumer.partitions_for_topic(topics.DLQ) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        found: list[DeadLetter] = []
        deadline = time.monotonic() + deadline_seconds
        while any(consumer.position(p) < ends[p] for p in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topics.DLQ} to its end in {deadline_seconds}s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        envelope = Envelope.from_bytes(record.value)
                        event = read_event(envelope)
                    except (ValidationError, ValueError):
                        continue  # not a dead letter this reader knows: skip it
                    if isinstance(event, MessageDeadLettered):
                        found.append(DeadLetter(record.offset, event, envelope.time, envelope.id))
        return found
    finally:
        consumer.close()


def replay(
    bootstrap: str, letters: list[DeadLetter], wait_seconds: float = 0
) -> list[dict[str, object]]:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **kafka_security()
    )
    done: list[dict[str, object]] = []
    # sprg.dlq has one partition: a dead letter after this offset is one of the replay's.
    known = (
        max((d.dlq_offset for d in read_dead_letters(bootstrap)), default=-1)
        if wait_seconds > 0
        else -1
    )
    try:
        for dead in letters:
            original = dead.original()
            headers = []
            if original is not None:
                headers = [("ce_id", original.id.encode()), ("ce_type", original.type.encode())]
                if original.traceparent:
                    headers.append(("traceparent", original.traceparent.encode()))
            key = dead.letter.key.encode() if dead.letter.key is not None else None
            sent = producer.send(
                dead.letter.topic, key=key, value=dead.letter.value.encode(), headers=headers
            ).get(timeout=30)
            done.append(
                {
                    **dead.summary(),
                    "replayed_to_offset": sent.offset,
                    "partition_to": sent.partition,
                }
            )
        if wait_seconds > 0:
            _confirm(bootstrap, producer, letters, done, known, wait_seconds)
    finally:
        producer.close(timeout=10)
    for line in done:
        line.pop("partition_to", None)
    return done


def _committed(bootstrap: str, group: str) -> dict[TopicPartition, int] | None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **kafka_security())
    try:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    finally:
        admin.close()
    found = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
    return found or None


def _confirm(
    bootstrap: str,
    producer: KafkaProducer,
    letters: list[DeadLetter],
    done: list[dict[str, object]],
    known: int,
    wait_seconds: float,
) -> None:
    """Mark each replayed line processed (true), failed again or still behind (false), or
    not waited for (None: the group never committed anything), and tell intake of each
    one processed."""
    pending = list(zip(letters, done, strict=True))
    deadline = time.monotonic() + wait_seconds
    while pending:
        still: list[tuple[DeadLetter, dict[str, object]]] = []
        for dead, line in pending:
            committed = _committed(bootstrap, dead.letter.consumer_group)
            if committed is None:
                line["processed"] = None
                continue
            where = TopicPartition(dead.letter.topic, int(str(line["partition_to"])))
            if committed.get(where, -1) > int(str(line["replayed_to_offset"])):
                line["processed"] = True
            else:
                still.append((dead, line))
        pending = still
        if pending and time.monotonic() > deadline:
            for _, line in pending:
                line["processed"] = False
            break
        if pending:
            time.sleep(0.5)
    again = {
        (d.letter.consumer_group, d.summary()["event_id"])
        for d in read_dead_letters(bootstrap)
        if d.dlq_offset > known
    }
    for dead, line in zip(letters, done, strict=True):
        if line.get("processed") is not True:
            continue
        if (dead.letter.consumer_group, line["event_id"]) in again:
            line["processed"] = False
            continue
        told = MessageReprocessed(
            dead_letter_id=dead.envelope_id,
            consumer_group=dead.letter.consumer_group,
            topic=dead.letter.topic,
            key=dead.letter.key,
            event_id=str(line["event_id"]) if line["event_id"] else None,
            replayed_to_offset=int(str(line["replayed_to_offset"])),
        )
        envelope = envelope_for(told, source="sprg/cli")
        key = dead.letter.key.encode() if dead.letter.key is not None else None
        headers = [("ce_id", envelope.id.encode()), ("ce_type", envelope.type.encode())]
        producer.send(topics.DLQ, key=key, value=envelope.to_bytes(), headers=headers).get(
            timeout=30
        )


def _list(args: argparse.Namespace) -> int:
    for dead in read_dead_letters(args.bootstrap_servers):
        if args.group is None or dead.letter.consumer_group == args.group:
            print(json.dumps(dead.summary()))
    return 0


def _replay(args: argparse.Namespace) -> int:
    letters = read_dead_letters(args.bootstrap_servers)
    if args.offset:
        chosen = [d for d in letters if d.dlq_offset in set(args.offset)]
    else:
        chosen = [d for d in letters if d.letter.consumer_group == args.group]
    if not chosen:
        print("sprg dlq replay: no such dead letter", file=sys.stderr)
        return EXIT_NOTHING
    for line in replay(args.bootstrap_servers, chosen, args.wait):
        print(json.dumps(line))
    return 0
