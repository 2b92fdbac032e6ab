#pragma once

#include "Error.h"

#include <QByteArray>
#include <QList>

namespace streamscope {

using Command = QList<QByteArray>;

// Redis Cluster's key space: 16384 slots, a key's slot being CRC16 of its hash tag (the part
// between the first "{" and the next "}", when not empty) or of the whole key.
namespace cluster {

constexpr int slotCount = 16384;

// CRC16-CCITT (XMODEM), as the cluster specification defines it: "123456789" gives 0x31C3.
quint16 crc16(const QByteArray &bytes);
int keySlot(const QByteArray &key);

// Where a command may go.
enum class Route {
    Keyed,       // to the node of its keys' slot (all keys must share one)
    AnyNode,     // no key, and any node answers the same (PING, TIME, EVAL with no keys)
    EveryPrimary // acts on one node's data only (SCAN, INFO, DBSIZE, SCRIPT LOAD): the caller
                 // must ask every primary (RedisClient::onEveryPrimary / commandOn)
};

struct CommandKeys {
    Route route = Route::AnyNode;
    QList<QByteArray> keys;
};

// The keys of one command StreamScope sends, from a table of their key positions. A command
// not in the table is refused (InvalidArgument) rather than routed by a guess.
Result<CommandKeys> commandKeys(const Command &command);

// The one slot all keys share; InvalidArgument naming the first two keys of different slots
// when they do not (the server would answer CROSSSLOT). -1 for no keys.
Result<int> commonSlot(const QList<QByteArray> &keys, const QByteArray &what);

} // namespace cluster
} // namespace streamscope
