"""The Redis deployments the store supports: one server, a Redis Cluster,
Sentinel, and valkey-py's client. Every client gets a short timeout: a
request waits as long as its client does."""

from cookiesession.redis import RedisSessionInterface


def on_one_server(url="redis://localhost:6379/0"):
    return RedisSessionInterface.from_url(url, user_key="user_id")


def on_a_cluster(host="localhost", port=7000, key_prefix="session:"):
    from redis.cluster import RedisCluster

    client = RedisCluster(
        host=host, port=port, socket_timeout=1, socket_connect_timeout=1
    )
    # key_prefix="{sess}:" puts every key in one slot: atomic, not sharded.
    return RedisSessionInterface(client, key_prefix=key_prefix, user_key="user_id")


def on_sentinel(sentinels=(("localhost", 26379),), name="mymaster"):
    from redis.sentinel import Sentinel

    sentinel = Sentinel(
        list(sentinels), socket_timeout=1, sentinel_kwargs={"socket_timeout": 1}
    )
    client = sentinel.master_for(name, socket_timeout=1, socket_connect_timeout=1)
    return RedisSessionInterface(client, user_key="user_id")


def on_valkey(url="valkey://localhost:6379/0"):
    import valkey

    client = valkey.Valkey.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    return RedisSessionInterface(client, user_key="user_id")
