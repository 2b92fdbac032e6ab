#pragma once

#include "Error.h"
#include "RedisReply.h"
#include "StreamEntry.h"

#include <QByteArray>
#include <QList>

#include <optional>

struct redisReader;

namespace streamscope {

// Incremental RESP parser: hiredis' redisReader does the parsing, its object callbacks build
// RedisReply nodes in place, so each byte is copied once into the tree (no redisReply tree
// converted afterwards).
class ReplyParser {
public:
    ReplyParser();
    ~ReplyParser();
    ReplyParser(const ReplyParser &) = delete;
    ReplyParser &operator=(const ReplyParser &) = delete;

    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &data) { feed(data.constData(), data.size()); }

    // A complete reply, std::nullopt when more bytes are needed, or a protocol error (after
    // which the stream is unusable: the caller must drop the connection).
    Result<std::optional<RedisReply>> next();

    // Entries mode, for the next reply only: entries arrays found entriesDepth levels down
    // (0 for XRANGE, 2 for XREAD) go straight into *out as StreamEntry values, and the returned
    // reply keeps only the skeleton (stream names, empty entries arrays). stream names the
    // entries when entriesDepth is 0.
    void expectEntries(StreamEntryList *out, int entriesDepth, const QByteArray &stream = {});

    // Starts over with an empty buffer (after reconnecting).
    void reset();

    // Formats a command as RESP (hiredis' redisFormatCommandArgv), binary safe.
    static QByteArray formatCommand(const QList<QByteArray> &args);

    struct EntriesMode {
        StreamEntryList *out = nullptr;
        int depth = 0;
        QByteArray stream; // the stream of the entries array being read
        qsizetype sizeBefore = 0;
        std::optional<EntryBuilder> builder;
    };

private:
    redisReader *m_reader = nullptr;
    std::optional<EntriesMode> m_entries;
};

} // namespace streamscope
