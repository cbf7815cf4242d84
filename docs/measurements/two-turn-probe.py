#!/usr/bin/env python3
"""Issue #19's two-turn probe against a running Kaizen: the customer gives an order number, then asks about "the
order I mentioned". Sends it through /v1/chat/completions with seeds 1..N at temperature 0.3 and counts the answers
that show the customer's number, those with other digits (a made-up number) and those with none.

    python3 docs/measurements/two-turn-probe.py http://127.0.0.1:8080 API_KEY [N]
"""
import json
import re
import sys
import urllib.request

ORDER = "48213"
MESSAGES = [
    {"role": "user", "content": "The order number is " + ORDER + "."},
    {"role": "assistant", "content": "Thank you! I have noted your order number " + ORDER
        + ". How can I help you with this order?"},
    {"role": "user", "content": "I want to cancel the order I mentioned"},
]


def main():
    url, key = sys.argv[1].rstrip("/"), sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    counts = {"customers_number": 0, "other_digits": 0, "no_number": 0}
    for seed in range(1, n + 1):
        body = json.dumps({"model": "kaizen", "seed": seed, "temperature": 0.3, "max_tokens": 60,
                           "messages": MESSAGES}).encode()
        request = urllib.request.Request(url + "/v1/chat/completions", body, {
            "Authorization": "Bearer " + key, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as response:
            text = json.load(response)["choices"][0]["message"]["content"]
        if ORDER in text:
            counts["customers_number"] += 1
        elif re.search(r"\d{4,}", text):
            counts["other_digits"] += 1
        else:
            counts["no_number"] += 1
    print(json.dumps(dict(counts, probes=n)))


if __name__ == "__main__":
    main()
