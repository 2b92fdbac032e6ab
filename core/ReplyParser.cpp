#include "ReplyParser.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <memory>
#include <vector>

namespace streamscope {

// The callbacks are friends of RedisReply through this struct.
class ReplyBuilder {
public:
    // The root of a reply is heap-allocated and handed to us by redisReaderGetReply; every
    // other node lives inside its parent's pre-sized elements vector, so the pointers we hand
    // back to hiredis stay valid while the reply is being read.
    static RedisReply *place(const redisReadTask *task, RedisReply &&value) {
        if (task->parent) {
            auto *parent = static_cast<RedisReply *>(task->parent->obj);
            RedisReply &slot = parent->elements()[size_t(task->idx)];
            slot = std::move(value);
            return &slot;
        }
        return new RedisReply(std::move(value));
    }

    static void *createString(const redisReadTask *task, char *str, size_t len) {
        QByteArray bytes(str, qsizetype(len));
        switch (task->type) {
        case REDIS_REPLY_ERROR:
            return place(task, RedisReply::error(std::move(bytes)));
        case REDIS_REPLY_STATUS:
            return place(task, RedisReply::status(std::move(bytes)));
        default:
            return place(task, RedisReply::string(std::move(bytes)));
        }
    }
    static void *createArray(const redisReadTask *task, int elements) {
        std::vector<RedisReply> children(size_t(elements > 0 ? elements : 0));
        return place(task, RedisReply::array(std::move(children)));
    }
    static void *createInteger(const redisReadTask *task, long long value) {
        return place(task, RedisReply::integer(value));
    }
    static void *createNil(const redisReadTask *task) { return place(task, RedisReply::nil()); }
    // hiredis only frees roots (replies it could not hand over).
    static void freeObject(void *obj) { delete static_cast<RedisReply *>(obj); }
};

namespace {
redisReplyObjectFunctions replyFunctions = {
    ReplyBuilder::createString, ReplyBuilder::createArray, ReplyBuilder::createInteger,
    ReplyBuilder::createNil,    ReplyBuilder::freeObject,
};
} // namespace

ReplyParser::ReplyParser() {
    reset();
}

ReplyParser::~ReplyParser() {
    if (m_reader)
        redisReaderFree(m_reader);
}

void ReplyParser::reset() {
    if (m_reader)
        redisReaderFree(m_reader);
    m_reader = redisReaderCreateWithFunctions(&replyFunctions);
    // Keep the buffer between replies instead of freeing it after 16 KiB: tails read megabytes.
    m_reader->maxbuf = 0;
}

void ReplyParser::feed(const char *data, qsizetype size) {
    redisReaderFeed(m_reader, data, size_t(size));
}

Result<std::optional<RedisReply>> ReplyParser::next() {
    void *raw = nullptr;
    if (redisReaderGetReply(m_reader, &raw) != REDIS_OK) {
        const QString why = QString::fromUtf8(m_reader->errstr);
        reset();
        return Error(
            Error::Kind::Protocol,
            QStringLiteral("the server sent bytes that are not a Redis reply (%1)").arg(why));
    }
    if (!raw)
        return std::optional<RedisReply>();
    std::unique_ptr<RedisReply> root(static_cast<RedisReply *>(raw));
    return std::optional<RedisReply>(std::move(*root));
}

QByteArray ReplyParser::formatCommand(const QList<QByteArray> &args) {
    std::vector<const char *> argv;
    std::vector<size_t> lens;
    argv.reserve(size_t(args.size()));
    lens.reserve(size_t(args.size()));
    for (const QByteArray &a : args) {
        argv.push_back(a.constData());
        lens.push_back(size_t(a.size()));
    }
    char *out = nullptr;
    const int len = redisFormatCommandArgv(&out, int(args.size()), argv.data(), lens.data());
    if (len < 0)
        return {};
    QByteArray result(out, len);
    redisFreeCommand(out);
    return result;
}

} // namespace streamscope
