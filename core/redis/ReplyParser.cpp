#include "ReplyParser.h"

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

namespace streamscope {

namespace {
// What hiredis gets for nodes that exist only as StreamEntry data: any non-null pointer.
char entryMarker;

// Arrays reserve at most this many elements up front; past it they grow as elements arrive,
// so a header announcing 2^31 elements costs nothing until the elements are there.
constexpr int maxReserved = 1024;
// The fewest bytes an element takes on the wire ("+\r\n").
constexpr qint64 minElementWireBytes = 3;

int depthOf(const redisReadTask *task) {
    int depth = 0;
    for (; task->parent; task = task->parent)
        ++depth;
    return depth;
}

QString sizeText(qint64 bytes) {
    constexpr qint64 kib = 1024, mib = kib * 1024;
    if (bytes >= mib && bytes % mib == 0)
        return QStringLiteral("%1 MiB").arg(bytes / mib);
    if (bytes >= kib && bytes % kib == 0)
        return QStringLiteral("%1 KiB").arg(bytes / kib);
    return QStringLiteral("%1-byte").arg(bytes);
}

const char *kindOf(int type) {
    switch (type) {
    case REDIS_REPLY_STRING:
        return "a bulk string";
    case REDIS_REPLY_ARRAY:
        return "an array";
    case REDIS_REPLY_INTEGER:
        return "an integer";
    case REDIS_REPLY_NIL:
        return "nil";
    case REDIS_REPLY_STATUS:
        return "a status reply";
    case REDIS_REPLY_ERROR:
        return "an error reply";
    }
    return "an unknown reply";
}
} // namespace

class ReplyBuilder {
public:
    // The root of a reply is heap-allocated and handed to us by redisReaderGetReply; every
    // other node is appended to its parent's elements as it arrives. hiredis only keeps the
    // pointers of the arrays still being filled (the last element of each ancestor), and
    // appending to an array never moves those, so the pointers it holds stay valid.
    static RedisReply *place(const redisReadTask *task, RedisReply &&value) {
        if (task->parent) {
            auto *parent = static_cast<RedisReply *>(task->parent->obj);
            std::vector<RedisReply> &siblings = parent->elements();
            siblings.push_back(std::move(value));
            return &siblings.back();
        }
        return new RedisReply(std::move(value));
    }

    // A node of a reply read in entries mode, by where it is.
    enum class Part {
        Other,   // not entries mode, or a node outside the entries arrays (stream names...)
        Root,    // the root of an XREAD or XAUTOCLAIM reply
        Stream,  // XREAD: one [name, entries] pair
        Name,    // XREAD: the name of a stream
        Entries, // an entries array
        Entry,   // [ID, fields]
        Id,
        Fields, // [name, value, ...]
        Field,
    };

    static ReplyParser &parserOf(const redisReadTask *task) {
        return *static_cast<ReplyParser *>(task->privdata);
    }
    static ReplyParser::EntriesMode *modeOf(const redisReadTask *task) {
        ReplyParser &parser = parserOf(task);
        return parser.m_entries ? &*parser.m_entries : nullptr;
    }

    static Part partOf(const redisReadTask *task) {
        const ReplyParser::EntriesMode *mode = modeOf(task);
        if (!mode)
            return Part::Other;
        const int depth = depthOf(task);
        if (depth < mode->depth) {
            if (depth == 0)
                return Part::Root;
            return mode->depth == 2 ? Part::Stream : Part::Other;
        }
        // Below the root, the entries array is the second element of its parent.
        const redisReadTask *entries = task;
        for (int i = depth; i > mode->depth; --i)
            entries = entries->parent;
        if (mode->depth > 0 && entries->idx != 1)
            return mode->depth == 2 && depth == 2 ? Part::Name : Part::Other;
        switch (depth - mode->depth) {
        case 0:
            return Part::Entries;
        case 1:
            return Part::Entry;
        case 2:
            return task->idx == 0 ? Part::Id : Part::Fields;
        default:
            return Part::Field; // nothing deeper passes the checks below
        }
    }

    // Refuses the reply: hiredis frees what was built and next() reports why.
    static void *refuse(const redisReadTask *task, Error error) {
        parserOf(task).m_failure = std::move(error);
        return nullptr;
    }
    static void *wrongShape(const redisReadTask *task, const char *expected, const char *got) {
        return refuse(task, Error(Error::Kind::Protocol,
                                  QStringLiteral("the server's reply does not have the shape of "
                                                 "stream entries: expected %1, got %2")
                                      .arg(QLatin1String(expected), QLatin1String(got))));
    }

    static void count(const redisReadTask *task) {
        if (task->parent)
            ++parserOf(task).m_elements;
    }

    static void *createString(const redisReadTask *task, char *str, size_t len) {
        count(task);
        const Part part = partOf(task);
        ReplyParser::EntriesMode *mode = modeOf(task);
        const bool bulk = task->type == REDIS_REPLY_STRING;
        switch (part) {
        case Part::Id: {
            StreamId id;
            if (!bulk || !StreamId::parseServer(QByteArrayView(str, qsizetype(len)), &id))
                return wrongShape(task, "an entry ID",
                                  bulk ? "a bulk string that is not an ID" : kindOf(task->type));
            mode->out->last().id = id;
            return &entryMarker;
        }
        case Part::Field:
            if (!bulk)
                return wrongShape(task, "a field name or value", kindOf(task->type));
            if (len > std::numeric_limits<quint32>::max()) // StreamEntry's 4-byte lengths
                return refuse(task, parserOf(task).tooLarge());
            mode->builder->appendString(str, qsizetype(len));
            return &entryMarker;
        case Part::Name:
            if (!bulk)
                return wrongShape(task, "a stream name", kindOf(task->type));
            break;
        case Part::Root:
            if (task->type != REDIS_REPLY_ERROR)
                return wrongShape(task, "an array", kindOf(task->type));
            break;
        case Part::Entries:
            if (task->parent || task->type != REDIS_REPLY_ERROR)
                return wrongShape(task, "an array of entries", kindOf(task->type));
            break; // XRANGE's answer can be an error (WRONGTYPE)
        case Part::Stream:
        case Part::Entry:
        case Part::Fields:
            return wrongShape(task, "an array", kindOf(task->type));
        case Part::Other:
            break;
        }
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
        count(task);
        ReplyParser &parser = parserOf(task);
        if (parser.replySize() + elements * (minElementWireBytes + ReplyParser::elementCost)
            > parser.m_maxReplyBytes)
            return refuse(task, parser.tooLarge());
        ReplyParser::EntriesMode *mode = modeOf(task);
        const Part part = partOf(task);
        switch (part) {
        case Part::Entries:
            // The entries array of one stream: in XREAD replies ([[name, entries], ...]) its
            // name is the sibling before it; elsewhere the caller named it.
            if (mode->depth == 2)
                mode->stream = static_cast<const RedisReply *>(task->parent->obj)->at(0).bytes();
            if (!mode->builder)
                mode->builder.emplace(mode->out);
            mode->out->reserve(mode->out->size() + std::min(elements, maxReserved));
            return place(task, RedisReply::array({}));
        case Part::Entry:
            if (elements != 2)
                return wrongShape(task, "an entry of 2 elements (ID and fields)",
                                  qPrintable(QStringLiteral("%1 elements").arg(elements)));
            mode->builder->beginEntry(mode->stream, StreamId());
            return &entryMarker;
        case Part::Fields:
            if (elements % 2 != 0)
                return wrongShape(task, "field names and values in pairs",
                                  qPrintable(QStringLiteral("%1 strings").arg(elements)));
            return &entryMarker;
        case Part::Stream:
            if (elements != 2)
                return wrongShape(task, "a stream of 2 elements (name and entries)",
                                  qPrintable(QStringLiteral("%1 elements").arg(elements)));
            break;
        case Part::Id:
        case Part::Field:
        case Part::Name:
            return wrongShape(task, part == Part::Id ? "an entry ID" : "a string",
                              kindOf(REDIS_REPLY_ARRAY));
        case Part::Root:
        case Part::Other:
            break;
        }
        std::vector<RedisReply> children;
        children.reserve(size_t(std::clamp(elements, 0, maxReserved)));
        return place(task, RedisReply::array(std::move(children)));
    }

    static void *createInteger(const redisReadTask *task, long long value) {
        count(task);
        if (partOf(task) != Part::Other)
            return wrongShape(task, "an array or a string", kindOf(REDIS_REPLY_INTEGER));
        return place(task, RedisReply::integer(value));
    }

    static void *createNil(const redisReadTask *task) {
        count(task);
        ReplyParser::EntriesMode *mode = modeOf(task);
        switch (partOf(task)) {
        case Part::Fields:
            mode->builder->markDeleted(); // XREADGROUP history of a deleted entry
            return &entryMarker;
        case Part::Entry:
            return &entryMarker; // XCLAIM before 7.0: an entry deleted meanwhile, skipped
        case Part::Root:
        case Part::Other:
            return place(task, RedisReply::nil()); // XREAD that timed out
        case Part::Entries:
            if (!task->parent)
                return place(task, RedisReply::nil());
            return wrongShape(task, "an array of entries", kindOf(REDIS_REPLY_NIL));
        case Part::Stream:
        case Part::Name:
        case Part::Id:
        case Part::Field:
            break;
        }
        return wrongShape(task, "a value", kindOf(REDIS_REPLY_NIL));
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
    m_reader->privdata = this; // handed to the callbacks with every node
    // Keep the buffer between replies instead of freeing it after 16 KiB: tails read megabytes.
    m_reader->maxbuf = 0;
    if (m_entries && m_entries->out)
        m_entries->out->resize(m_entries->sizeBefore); // nothing half-read stays behind
    m_entries.reset();
    m_fed = 0;
    m_replyStart = 0;
    m_elements = 0;
    m_failure.reset();
    m_scan = ScanState();
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
    m_fed += size;
}

qint64 ReplyParser::consumed() const {
    return m_fed - qint64(m_reader->len - m_reader->pos);
}

qint64 ReplyParser::replySize() const {
    return consumed() - m_replyStart + m_elements * elementCost;
}

qint64 ReplyParser::pendingBulkBytes() const {
    // hiredis has read the '$' of the string under way and waits with pos on its length line.
    if (m_reader->ridx < 0 || m_reader->rstack[m_reader->ridx].type != REDIS_REPLY_STRING)
        return 0;
    const char *line = m_reader->buf + m_reader->pos;
    const size_t available = m_reader->len - m_reader->pos;
    const char *cr = static_cast<const char *>(std::memchr(line, '\r', available));
    if (!cr)
        return 0;
    qint64 length = 0;
    for (const char *p = line; p != cr; ++p) {
        if (*p < '0' || *p > '9')
            return 0; // "-1", or not a length: hiredis decides
        if (length > (std::numeric_limits<qint64>::max() - 9) / 10)
            return std::numeric_limits<qint64>::max();
        length = length * 10 + (*p - '0');
    }
    return (cr - line) + 2 + length + 2;
}

Error ReplyParser::tooLarge() const {
    return Error(Error::Kind::Protocol,
                 QStringLiteral("the server's reply is larger than the %1 limit; ask for less "
                                "(a smaller COUNT) or raise the limit (max-reply in the URL)")
                     .arg(sizeText(m_maxReplyBytes)));
}

Error ReplyParser::failWith(Error error) {
    reset();
    return error;
}

Result<std::optional<RedisReply>> ReplyParser::next() {
    void *raw = nullptr;
    const int status = redisReaderGetReply(m_reader, &raw);
    if (m_failure)
        return failWith(*m_failure);
    if (status != REDIS_OK)
        return failWith(
            Error(Error::Kind::Protocol,
                  QStringLiteral("the server sent bytes that are not a Redis reply (%1)")
                      .arg(QString::fromUtf8(m_reader->errstr))));
    std::unique_ptr<RedisReply> root(static_cast<RedisReply *>(raw));
    if (!root) {
        // Everything received since the reply began belongs to it, and the string under way
        // says how much more is coming.
        const qint64 pending = qint64(m_reader->len - m_reader->pos);
        const qint64 announced = qMin(pendingBulkBytes(), m_maxReplyBytes + 1);
        qint64 projected = replySize() + qMax(pending, announced);
        if (announced > 0 && m_reader->ridx > 0)
            projected += elementCost; // the string's own node, counted once it exists
        if (projected > m_maxReplyBytes)
            return failWith(tooLarge());
        return std::optional<RedisReply>();
    }
    if (replySize() > m_maxReplyBytes)
        return failWith(tooLarge());
    m_replyStart = consumed();
    m_elements = 0;
    m_scan = ScanState(); // a scan was of this reply
    if (m_entries) {
        if (m_entries->builder)
            m_entries->builder->finish();
        m_entries.reset();
    }
    return std::optional<RedisReply>(std::move(*root));
}

namespace {
// Frames deeper than this are no stream entries (XREAD's IDs are 4 levels down): not scanned.
constexpr size_t maxScanDepth = 8;

// The number on a RESP header line ("*12", "$-1"): false when it is not one.
bool headerNumber(const char *from, const char *to, qint64 *out) {
    bool negative = false;
    if (from < to && *from == '-') {
        negative = true;
        ++from;
    }
    if (from == to || to - from > 18)
        return false;
    qint64 n = 0;
    for (; from < to; ++from) {
        if (*from < '0' || *from > '9')
            return false;
        n = n * 10 + (*from - '0');
    }
    *out = negative ? -n : n;
    return true;
}
} // namespace

Result<std::optional<ReplyParser::EntriesScan>> ReplyParser::scanEntries(int entriesDepth) {
    const char *base = m_reader->buf + m_reader->pos;
    const qint64 available = qint64(m_reader->len - m_reader->pos);
    ScanState &st = m_scan;
    auto unknown = [&]() -> Result<std::optional<EntriesScan>> {
        EntriesScan scan;
        scan.bytes = available;
        m_scan = ScanState();
        return std::optional<EntriesScan>(std::move(scan));
    };
    if (m_reader->ridx >= 0)
        return unknown(); // a reply half-parsed: not ours to scan
    if (!st.started) {
        st = ScanState();
        st.started = true;
        st.scan.entries = true;
    }
    qint64 at = st.offset;
    for (;;) {
        if (available > m_maxReplyBytes)
            return failWith(tooLarge());
        // One element: its header line, and for a bulk string its bytes.
        const char *line = base + at;
        const char *cr = at < available
                             ? static_cast<const char *>(std::memchr(line, '\r', size_t(available - at)))
                             : nullptr;
        if (!cr || cr + 1 >= base + available)
            break; // the header is not all here yet
        const char type = *line;
        const qint64 depth = qint64(st.stack.size());
        const qint64 index = st.stack.empty() ? 0 : st.stack.back().index;
        qint64 n = 0;
        qint64 next = (cr - base) + 2;
        bool opened = false; // an array with elements: its frame is pushed
        switch (type) {
        case '*':
            if (!headerNumber(line + 1, cr, &n))
                return unknown();
            if (n > 0 && st.stack.size() >= maxScanDepth)
                return unknown();
            if (depth == entriesDepth && n >= 0) {
                // An entries array: XRANGE's root, or XREAD's second element of a stream.
                if (entriesDepth == 0 || index == 1) {
                    if (entriesDepth == 0)
                        st.scan.runs.emplace_back();
                    if (!st.scan.runs.empty())
                        st.scan.runs.back().entries = n;
                }
            } else if (depth == 0 && n < 0 && entriesDepth > 0) {
                // XREAD that found nothing: no runs.
            } else if (depth == 0 && n < 0) {
                return unknown();
            }
            if (n > 0) {
                st.stack.push_back({n, 0});
                opened = true;
            }
            break;
        case '$':
            if (!headerNumber(line + 1, cr, &n))
                return unknown();
            if (n >= 0) {
                if (available - next < n + 2)
                    goto incomplete; // the string is not all here yet: scan it again then
                const QByteArrayView bytes(base + next, qsizetype(n));
                if (entriesDepth == 2 && depth == 2 && index == 0) {
                    st.scan.runs.emplace_back();
                    st.scan.runs.back().stream = bytes.toByteArray();
                } else if (depth == entriesDepth + 2 && index == 0 && !st.scan.runs.empty()) {
                    st.scan.runs.back().lastId = bytes.toByteArray();
                }
                next += n + 2;
            } else if (depth == 0 && entriesDepth == 0) {
                return unknown();
            }
            break;
        case '+':
        case ':':
            if (depth == 0)
                return unknown();
            break;
        case '-':
            return unknown(); // an error reply (or one inside): the parser says what it is
        default:
            return unknown(); // RESP3 or not a reply: the parser decides
        }
        at = next;
        if (!opened) {
            // The element is complete: so are the arrays it completes.
            while (!st.stack.empty() && ++st.stack.back().index == st.stack.back().size)
                st.stack.pop_back();
            if (st.stack.empty()) {
                EntriesScan done = std::move(st.scan);
                done.bytes = at;
                m_scan = ScanState();
                return std::optional<EntriesScan>(std::move(done));
            }
        }
        st.offset = at;
    }
incomplete:
    return std::optional<EntriesScan>();
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
