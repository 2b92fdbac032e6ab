#include "ReplyParser.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <memory>
#include <vector>

namespace streamscope {

namespace {
// The entries mode of the parser running on this thread, while it runs (hiredis 0.14 does not
// hand the reader's private data to the callbacks).
thread_local ReplyParser::EntriesMode *t_entries = nullptr;
// What hiredis gets for nodes that exist only as StreamEntry data: any non-null pointer.
char entryMarker;

int depthOf(const redisReadTask *task) {
    int depth = 0;
    for (; task->parent; task = task->parent)
        ++depth;
    return depth;
}
} // namespace

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

    // In entries mode: how deep below the entries array this node is (0: the array itself,
    // 1: an entry, 2: its ID or field list, 3: a field name or value), or -1 for generic nodes.
    static int entryLevel(const redisReadTask *task) {
        if (!t_entries)
            return -1;
        const int level = depthOf(task) - t_entries->depth;
        return level >= 0 ? level : -1;
    }

    static void *createString(const redisReadTask *task, char *str, size_t len) {
        const int level = task->type == REDIS_REPLY_STRING ? entryLevel(task) : -1;
        if (level == 2 && task->idx == 0) {
            t_entries->out->last().id = StreamId::fromServer(QByteArrayView(str, qsizetype(len)));
            return &entryMarker;
        }
        if (level == 3) {
            t_entries->builder->appendString(str, qsizetype(len));
            return &entryMarker;
        }
        if (level > 0)
            return &entryMarker; // not an entry shape: ignored
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
        const int level = entryLevel(task);
        if (level == 0) {
            // The entries array of one stream: in XREAD replies ([[name, entries], ...]) its
            // name is the sibling before it; elsewhere (XAUTOCLAIM) the caller named it.
            if (t_entries->depth == 2 && task->parent) {
                const auto *parent = static_cast<const RedisReply *>(task->parent->obj);
                if (task->idx > 0 && parent->size() > 0)
                    t_entries->stream = parent->at(0).bytes();
            }
            if (!t_entries->builder)
                t_entries->builder.emplace(t_entries->out);
            t_entries->out->reserve(t_entries->out->size() + elements);
            return place(task, RedisReply::array({}));
        }
        if (level == 1) {
            t_entries->builder->beginEntry(t_entries->stream, StreamId());
            return &entryMarker;
        }
        if (level > 1)
            return &entryMarker;
        std::vector<RedisReply> children(size_t(elements > 0 ? elements : 0));
        return place(task, RedisReply::array(std::move(children)));
    }
    static void *createInteger(const redisReadTask *task, long long value) {
        if (entryLevel(task) > 0)
            return &entryMarker;
        return place(task, RedisReply::integer(value));
    }
    static void *createNil(const redisReadTask *task) {
        const int level = entryLevel(task);
        if (level == 2) {
            t_entries->builder->markDeleted(); // XREADGROUP history of a deleted entry
            return &entryMarker;
        }
        if (level > 0)
            return &entryMarker;
        return place(task, RedisReply::nil());
    }
    // hiredis only frees roots (replies it could not hand over), and roots are ours.
    static void freeObject(void *obj) {
        if (obj != &entryMarker)
            delete static_cast<RedisReply *>(obj);
    }
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
    if (m_entries && m_entries->out)
        m_entries->out->resize(m_entries->sizeBefore); // nothing half-read stays behind
    m_entries.reset();
}

void ReplyParser::expectEntries(StreamEntryList *out, int entriesDepth, const QByteArray &stream) {
    // Not emplace(): Clang rejects it for a nested class with default member initializers.
    m_entries = EntriesMode{};
    m_entries->out = out;
    m_entries->depth = entriesDepth;
    m_entries->stream = stream;
    m_entries->sizeBefore = out->size();
}

void ReplyParser::feed(const char *data, qsizetype size) {
    redisReaderFeed(m_reader, data, size_t(size));
}

Result<std::optional<RedisReply>> ReplyParser::next() {
    void *raw = nullptr;
    t_entries = m_entries ? &*m_entries : nullptr;
    const int status = redisReaderGetReply(m_reader, &raw);
    t_entries = nullptr;
    if (status != REDIS_OK) {
        const QString why = QString::fromUtf8(m_reader->errstr);
        reset();
        return Error(
            Error::Kind::Protocol,
            QStringLiteral("the server sent bytes that are not a Redis reply (%1)").arg(why));
    }
    if (!raw)
        return std::optional<RedisReply>();
    if (m_entries) {
        if (m_entries->builder)
            m_entries->builder->finish();
        m_entries.reset();
    }
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
