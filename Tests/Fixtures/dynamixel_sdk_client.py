#!/usr/bin/env python3
"""An independent client for Vigil's virtual boards: ROBOTIS' own dynamixel-sdk (PyPI) pings,
reads, writes and sync-reads the servos on PORT. Prints one line per check and exits 0 when
every check passed. Usage: dynamixel_sdk_client.py PORT ID [ID ...]"""
import sys

from dynamixel_sdk import COMM_SUCCESS, GroupSyncRead, PacketHandler, PortHandler

port_path, ids = sys.argv[1], [int(i) for i in sys.argv[2:]]
port = PortHandler(port_path)
if not port.openPort():
    print(f"cannot open {port_path}")
    sys.exit(1)
port.setBaudRate(1000000)  # a pty ignores the rate; the SDK refuses 4.5 Mbaud
packet = PacketHandler(2.0)
failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok' if ok else 'FAIL'} {name} {detail}".rstrip())
    failures += 0 if ok else 1


for i in ids:
    model, result, error = packet.ping(port, i)
    check(f"ping {i}", result == COMM_SUCCESS and error == 0, f"model {model}")
    value, result, error = packet.read2ByteTxRx(port, i, 0)
    check(f"read model number {i}", result == COMM_SUCCESS and value == model, f"{value}")
    value, result, error = packet.read1ByteTxRx(port, i, 8)
    check(f"read baud rate field {i}", result == COMM_SUCCESS and error == 0, f"code {value}")
    # Read-only bytes (model number, firmware, present position) refuse writes: access error.
    for address, size in [(0, 2), (6, 1), (132, 4)]:
        write = {1: packet.write1ByteTxRx, 2: packet.write2ByteTxRx, 4: packet.write4ByteTxRx}[size]
        result, error = write(port, i, address, 123)
        check(f"read-only address {address} refused {i}", result == COMM_SUCCESS and error == 7, f"error {error}")
    value, result, error = packet.read2ByteTxRx(port, i, 0)
    check(f"model number unchanged {i}", result == COMM_SUCCESS and value == model, f"{value}")
    result, error = packet.write1ByteTxRx(port, i, 64, 2)  # torque enable takes 0 or 1
    check(f"torque enable 2 refused {i}", result == COMM_SUCCESS and error == 4, f"error {error}")
    result, error = packet.write1ByteTxRx(port, i, 98, 0)  # bus watchdog off, for this client
    check(f"write watchdog {i}", result == COMM_SUCCESS and error == 0)
    result, error = packet.write1ByteTxRx(port, i, 64, 1)  # torque on
    check(f"write torque enable {i}", result == COMM_SUCCESS and error == 0)
    value, result, error = packet.read1ByteTxRx(port, i, 64)
    check(f"read torque enable {i}", result == COMM_SUCCESS and value == 1)
    result, error = packet.write4ByteTxRx(port, i, 116, 2100)  # goal position
    check(f"write goal position {i}", result == COMM_SUCCESS and error == 0)
    value, result, error = packet.read4ByteTxRx(port, i, 116)
    check(f"read goal position {i}", result == COMM_SUCCESS and value == 2100, f"{value}")
    result, error = packet.write1ByteTxRx(port, i, 11, 3)  # EEPROM while torque is on
    check(f"EEPROM write refused while torque on {i}", result == COMM_SUCCESS and error == 7, f"error {error}")

sync = GroupSyncRead(port, packet, 132, 4)
for i in ids:
    sync.addParam(i)
result = sync.txRxPacket()
check("sync read present position", result == COMM_SUCCESS)
for i in ids:
    available = sync.isAvailable(i, 132, 4)
    position = sync.getData(i, 132, 4) if available else None
    check(f"sync read data {i}", available, f"position {position}")

fast = GroupSyncRead(port, packet, 132, 4)
for i in ids:
    fast.addParam(i)
result = fast.fastSyncRead()
check("fast sync read present position", result == COMM_SUCCESS, f"result {result}")
for i in ids:
    available = fast.isAvailable(i, 132, 4)
    check(f"fast sync read data {i}", available, f"position {fast.getData(i, 132, 4) if available else None}")

for i in ids:
    result, error = packet.write1ByteTxRx(port, i, 64, 0)  # torque off
    check(f"torque off {i}", result == COMM_SUCCESS and error == 0)
port.closePort()
print(f"{failures} failed")
sys.exit(1 if failures else 0)
