#include "ClusterSlots.h"

#include <QHash>
#include <QSet>

namespace streamscope::cluster {

quint16 crc16(const QByteArray &bytes) {
    quint16 crc = 0;
    for (const char c : bytes) {
        crc ^= quint16(quint8(c)) << 8;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 0x8000) ? quint16((crc << 1) ^ 0x1021) : quint16(crc << 1);
    }
    return crc;
}

int keySlot(const QByteArray &key) {
    QByteArray hashed = key;
    const qsizetype open = key.indexOf('{');
    if (open >= 0) {
        const qsizetype close = key.indexOf('}', open + 1);
        if (close > open + 1)
            hashed = key.mid(open + 1, close - open - 1);
    }
    return crc16(hashed) & (slotCount - 1);
}

namespace {

Error refused(const Command &command, const QString &why) {
    return Error(
        Error::Kind::InvalidArgument,
        QStringLiteral("cluster mode: %1 %2").arg(QString::fromUtf8(command.first()), why));
}

Error missingArguments(const Command &command) {
    return refused(command, QStringLiteral("lacks its key argument"));
}

// Keys after the STREAMS token of XREAD/XREADGROUP: the first half of what follows it.
Result<CommandKeys> streamsKeys(const Command &command) {
    for (qsizetype i = 1; i < command.size(); ++i) {
        if (command.at(i).toUpper() != "STREAMS")
            continue;
        const qsizetype rest = command.size() - i - 1;
        if (rest <= 0 || rest % 2 != 0)
            return refused(command, QStringLiteral("needs as many IDs as keys after STREAMS"));
        return CommandKeys{Route::Keyed, command.mid(i + 1, rest / 2)};
    }
    return refused(command, QStringLiteral("has no STREAMS argument"));
}

// EVAL script numkeys key... arg...
Result<CommandKeys> scriptKeys(const Command &command) {
    bool ok = false;
    const qsizetype count = command.size() > 2 ? command.at(2).toLongLong(&ok) : -1;
    if (!ok || count < 0 || 3 + count > command.size())
        return refused(command, QStringLiteral("has no valid numkeys"));
    if (count == 0)
        return CommandKeys{Route::AnyNode, {}};
    return CommandKeys{Route::Keyed, command.mid(3, count)};
}

} // namespace

Result<CommandKeys> commandKeys(const Command &command) {
    if (command.isEmpty())
        return Error(Error::Kind::InvalidArgument, QStringLiteral("empty command"));
    // The key is the first argument.
    static const QSet<QByteArray> firstKey{"XADD",    "XRANGE", "XREVRANGE",  "XLEN", "XPENDING",
                                           "XACK",    "XCLAIM", "XAUTOCLAIM", "XDEL", "XTRIM",
                                           "XSETID",  "TYPE",   "GET",        "SET",  "EXPIRE",
                                           "PEXPIRE", "TTL",    "PTTL",       "HGET", "HSET",
                                           "HGETALL", "HDEL",   "INCR",       "DUMP", "RESTORE"};
    // Every argument is a key.
    static const QSet<QByteArray> allKeys{"DEL", "UNLINK", "EXISTS", "WATCH"};
    // The key is the second argument (after a subcommand).
    static const QHash<QByteArray, QSet<QByteArray>> secondKey{
        {"XINFO", {"STREAM", "GROUPS", "CONSUMERS"}},
        {"XGROUP", {"CREATE", "SETID", "DESTROY", "CREATECONSUMER", "DELCONSUMER"}},
        {"OBJECT", {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT"}},
        {"MEMORY", {"USAGE"}},
    };
    static const QSet<QByteArray> anyNode{"PING",      "ECHO",  "TIME", "CLIENT",  "COMMAND",
                                          "CLUSTER",   "HELLO", "AUTH", "ASKING",  "READONLY",
                                          "READWRITE", "MULTI", "EXEC", "DISCARD", "QUIT"};
    static const QSet<QByteArray> everyPrimary{"SCAN",    "KEYS",     "INFO",   "DBSIZE",
                                               "FLUSHDB", "FLUSHALL", "SCRIPT", "RANDOMKEY",
                                               "CONFIG",  "UNWATCH",  "SELECT"};

    const QByteArray name = command.first().toUpper();
    if (firstKey.contains(name)) {
        if (command.size() < 2)
            return missingArguments(command);
        return CommandKeys{Route::Keyed, {command.at(1)}};
    }
    if (allKeys.contains(name)) {
        if (command.size() < 2)
            return missingArguments(command);
        return CommandKeys{Route::Keyed, command.mid(1)};
    }
    if (const auto sub = secondKey.constFind(name); sub != secondKey.cend()) {
        const QByteArray verb = command.value(1).toUpper();
        if (!sub->contains(verb))
            return CommandKeys{Route::AnyNode, {}}; // HELP and the like
        if (command.size() < 3)
            return missingArguments(command);
        return CommandKeys{Route::Keyed, {command.at(2)}};
    }
    if (name == "XREAD" || name == "XREADGROUP")
        return streamsKeys(command);
    if (name == "EVAL" || name == "EVALSHA" || name == "EVAL_RO" || name == "EVALSHA_RO"
        || name == "FCALL" || name == "FCALL_RO")
        return scriptKeys(command);
    if (anyNode.contains(name))
        return CommandKeys{Route::AnyNode, {}};
    if (everyPrimary.contains(name))
        return CommandKeys{Route::EveryPrimary, {}};
    return refused(command, QStringLiteral("is not a command StreamScope knows the key positions "
                                           "of, so it cannot be routed to the right node"));
}

Result<int> commonSlot(const QList<QByteArray> &keys, const QByteArray &what) {
    int slot = -1;
    QByteArray first;
    for (const QByteArray &key : keys) {
        const int s = keySlot(key);
        if (slot < 0) {
            slot = s;
            first = key;
        } else if (s != slot) {
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("cluster mode: %1 names keys of different hash slots "
                                        "(\"%2\" is in slot %3, \"%4\" in slot %5), which the "
                                        "server refuses (CROSSSLOT): give them one hash tag, e.g. "
                                        "{orders}:a and {orders}:b, or send one command per key")
                             .arg(QString::fromUtf8(what), QString::fromUtf8(first))
                             .arg(slot)
                             .arg(QString::fromUtf8(key))
                             .arg(s));
        }
    }
    return slot;
}

} // namespace streamscope::cluster
