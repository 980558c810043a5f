"""An order id drawn in the body, captured by two tasks either side of a sleep (sync style)."""
import json
import random
import re
import uuid

from baton import sleep, task, workflow


@workflow
def main(input):
    order_id = str(uuid.uuid4())
    token = str(uuid.uuid4())
    dice = random.randint(1, 6)
    data = list(random.randbytes(4))
    drawn = json.dumps({"orderId": order_id, "token": token, "dice": dice, "bytes": data})
    reserved = task("reserve", lambda: json.dumps({"orderId": order_id, "token": token, "dice": dice, "bytes": data}))
    sleep("pause", "1 hour")
    charged = task("charge", lambda: json.dumps({"orderId": order_id, "token": token, "dice": dice, "bytes": data}))
    return {"reserved": reserved == drawn, "charged": charged == drawn, "uuid": bool(re.match(r"^[0-9a-f-]{36}$", order_id)), "distinct": order_id != token}
