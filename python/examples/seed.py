"""The seed example: fetch and transform every URL (five at a time), wait a minute, save.

The inner task() runs inside the outer one's closure, so each item is one checkpointed task."""
import json
import urllib.request

from baton import parallel, sleep, task, workflow


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def transform(data):
    return {"keys": sorted(data) if isinstance(data, dict) else [], "size": len(json.dumps(data))}


def save(results):
    return {"saved": len(results)}


@workflow
def main(input):
    results = parallel(input["urls"], lambda url: task(lambda: transform(task(lambda: fetch_json(url)))), concurrency=5)
    sleep(input.get("pause", 60))
    task(lambda: save(results))
    return {"processed": len(results)}
