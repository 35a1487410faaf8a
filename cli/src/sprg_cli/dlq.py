"""``sprg dlq ...``: read the dead letters on ``sprg.dlq`` and replay them.

``list`` prints one JSON line per dead letter (its offset in ``sprg.dlq``, when it was
dead-lettered, the consumer group, topic, partition, offset and key it came from, attempts,
the reason it failed, and the original event's id and type when readable): never the
payload (the key is a case or clock id, never personal data). ``--group`` keeps one
consumer group's. ``replay`` publishes the
original message again to its topic, with its key and headers: every consumer group
skips an event id it has applied, so only the group that failed applies it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime

from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import TopicPartition
from pydantic import ValidationError

from sprg_shared import topics
from sprg_shared.contracts.dead_letters import MessageDeadLettered
from sprg_shared.envelope import Envelope, read_event
from sprg_shared.kafka_security import kafka_security

EXIT_NOTHING = 2


@dataclass(frozen=True)
class DeadLetter:
    dlq_offset: int
    letter: MessageDeadLettered
    at: datetime | None = None

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
                        found.append(DeadLetter(record.offset, event, envelope.time))
        return found
    finally:
        consumer.close()


def replay(bootstrap: str, letters: list[DeadLetter]) -> list[dict[str, object]]:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, **kafka_security()
    )
    done: list[dict[str, object]] = []
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
            done.append({**dead.summary(), "replayed_to_offset": sent.offset})
    finally:
        producer.close(timeout=10)
    return done


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
    for line in replay(args.bootstrap_servers, chosen):
        print(json.dumps(line))
    return 0
