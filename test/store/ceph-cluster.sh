#!/usr/bin/env bash
# A throwaway single-node Ceph cluster for the tests (see ceph.ts): one ceph-mon, one ceph-osd on memstore, one
# radosgw on 127.0.0.1:$RGW_PORT. Prints "ready", then runs until its stdin closes, and then removes everything.
# Settings from PLATFORM-NOTES: auth none everywhere (and crc mode for the gateway, else it hangs on
# get_initial_auth_request), pools of size 1, memstore, a small thread pool, everything under the temp folder.
set -euo pipefail
D=$(mktemp -d /tmp/callrec-ceph.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$D/run" "$D/log" "$D/mon.a" "$D/osd.0"
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 536870912
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
mon data = $D/mon.\$id
osd data = $D/osd.\$id
keyring = $D/keyring
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw thread pool size = 64
auth client required = none
ms mon client mode = crc
CONF
C=(-c "$D/ceph.conf")
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT]" "$D/monmap" >/dev/null
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" >/dev/null 2>&1
ceph-mon "${C[@]}" -i a -f >"$D/log/mon.out" 2>&1 & pids+=($!)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
timeout 60 ceph "${C[@]}" osd new "$OSD_UUID" >/dev/null
ceph-osd "${C[@]}" -i 0 --mkfs --osd-uuid "$OSD_UUID" >/dev/null 2>&1
ceph-osd "${C[@]}" -i 0 -f >"$D/log/osd.out" 2>&1 & pids+=($!)
radosgw "${C[@]}" -n client.rgw -f >"$D/log/rgw.out" 2>&1 & pids+=($!)
for i in $(seq 1 400); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$RGW_PORT") 2>/dev/null; then break; fi
  if [ "$i" = 400 ]; then echo "radosgw did not listen: $(tail -5 "$D/log/client.rgw.log")" >&2; exit 1; fi
  sleep 0.2
done
radosgw-admin "${C[@]}" -n client.admin user create --uid=callrec --display-name=callrec --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >/dev/null 2>&1
# A GLACIER storage class, as an AWS listing names archived objects (RGW stores and serves it like any other).
radosgw-admin "${C[@]}" -n client.admin zonegroup placement add --rgw-zonegroup=default --placement-id=default-placement --storage-class=GLACIER >/dev/null 2>&1
radosgw-admin "${C[@]}" -n client.admin zone placement add --rgw-zone=default --placement-id=default-placement --storage-class=GLACIER --data-pool=default.rgw.glacier.data >/dev/null 2>&1
kill -9 "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true
radosgw "${C[@]}" -n client.rgw -f >"$D/log/rgw2.out" 2>&1 & pids[2]=$!
for i in $(seq 1 400); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$RGW_PORT") 2>/dev/null; then break; fi
  if [ "$i" = 400 ]; then echo "radosgw did not listen again: $(tail -5 "$D/log/client.rgw.log")" >&2; exit 1; fi
  sleep 0.2
done
echo ready
cat >/dev/null
