#pragma once

#include "Error.h"
#include "RedisReply.h"

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

    // Starts over with an empty buffer (after reconnecting).
    void reset();

    // Formats a command as RESP (hiredis' redisFormatCommandArgv), binary safe.
    static QByteArray formatCommand(const QList<QByteArray> &args);

private:
    redisReader *m_reader = nullptr;
};

} // namespace streamscope
