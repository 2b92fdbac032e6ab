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
// ... and what an entry ([ID, fields]) and its fields array get: their children are found by
// their parent's marker alone, without working out where they are (the hot path).
char entryArrayMarker;
char fieldsMarker;

// Arrays reserve at most this many elements up front; past it they grow as elements arrive,
// so a header announcing 2^31 elements costs nothing until the elements are there.
constexpr int maxReserved = 1024;
// The fewest bytes an element takes on the wire ("+\r\n").
constexpr qint64 minElementWireBytes = 3;

// An entry ID as servers write it ("1700000000000-0"), in one pass over short digit runs;
// anything else (more digits, no dash...) goes to StreamId::parseServer, which decides.
bool parseId(const char *str, size_t len, StreamId *out) {
    quint64 ms = 0;
    size_t i = 0;
    for (; i < len && i < 19 && str[i] >= '0' && str[i] <= '9'; ++i)
        ms = ms * 10 + quint64(str[i] - '0');
    if (i > 0 && i < len && str[i] == '-' && len - i - 1 > 0 && len - i - 1 < 19) {
        quint64 seq = 0;
        size_t j = i + 1;
        for (; j < len && str[j] >= '0' && str[j] <= '9'; ++j)
            seq = seq * 10 + quint64(str[j] - '0');
        if (j == len) {
            *out = StreamId{ms, seq};
            return true;
        }
    }
    return StreamId::parseServer(QByteArrayView(str, qsizetype(len)), out);
}

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
        if (task->parent) {
            const void *parent = task->parent->obj;
            if (parent == &fieldsMarker) { // Part::Field, as below
                if (task->type != REDIS_REPLY_STRING)
                    return wrongShape(task, "a field name or value", kindOf(task->type));
                if (len > std::numeric_limits<quint32>::max())
                    return refuse(task, parserOf(task).tooLarge());
                modeOf(task)->builder->appendString(str, qsizetype(len));
                return &entryMarker;
            }
            if (parent == &entryArrayMarker && task->idx == 0) { // Part::Id, as below
                StreamId id;
                if (task->type != REDIS_REPLY_STRING || !parseId(str, len, &id))
                    return wrongShape(task, "an entry ID",
                                      task->type == REDIS_REPLY_STRING
                                          ? "a bulk string that is not an ID"
                                          : kindOf(task->type));
                modeOf(task)->out->last().id = id;
                return &entryMarker;
            }
        }
        const Part part = partOf(task);
        ReplyParser::EntriesMode *mode = modeOf(task);
        const bool bulk = task->type == REDIS_REPLY_STRING;
        switch (part) {
        case Part::Id: {
            StreamId id;
            if (!bulk || !parseId(str, len, &id))
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
        if (task->parent && task->parent->obj == &entryArrayMarker && task->idx == 1) {
            if (elements % 2 != 0) // Part::Fields, as below
                return wrongShape(task, "field names and values in pairs",
                                  qPrintable(QStringLiteral("%1 strings").arg(elements)));
            return &fieldsMarker;
        }
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
            return &entryArrayMarker;
        case Part::Fields:
            if (elements % 2 != 0)
                return wrongShape(task, "field names and values in pairs",
                                  qPrintable(QStringLiteral("%1 strings").arg(elements)));
            return &fieldsMarker;
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
        if (obj != &entryMarker && obj != &entryArrayMarker && obj != &fieldsMarker)
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

namespace {
const QLatin1String tooLargeStart("the server's reply is larger than the ");
} // namespace

Error ReplyParser::tooLarge() const {
    return Error(Error::Kind::Protocol,
                 tooLargeStart
                     + QStringLiteral("%1 limit; ask for less (a smaller COUNT) or raise the limit "
                                      "(max-reply in the URL)")
                           .arg(sizeText(m_maxReplyBytes)));
}

bool ReplyParser::isTooLarge(const Error &error) {
    return error.kind == Error::Kind::Protocol && error.message.startsWith(tooLargeStart);
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
} // namespace

Result<std::optional<ReplyParser::EntriesScan>> ReplyParser::scanEntries(int entriesDepth) {
    // A tight walk over the headers (about 10 instructions a byte of header, none per byte of
    // a bulk string): this runs on every reply before it is parsed.
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
    if (available > m_maxReplyBytes)
        return failWith(tooLarge());
    if (!st.started) {
        st = ScanState();
        st.started = true;
        st.scan.entries = true;
    }
    const char *end = base + available;
    qint64 at = st.offset;
    while (at < available) {
        const char *p = base + at;
        const char type = *p++;
        const qint64 depth = qint64(st.stack.size());
        const qint64 index = depth == 0 ? 0 : st.stack.back().index;
        qint64 n = 0;
        bool opened = false; // an array with elements: its frame is pushed
        if (type == '*' || type == '$' || type == ':') {
            const bool negative = p < end && *p == '-';
            if (negative)
                ++p;
            const char *digits = p;
            while (p < end && *p >= '0' && *p <= '9')
                n = n * 10 + (*p++ - '0');
            if (p + 1 >= end)
                break; // the header is not all here yet
            if (p == digits || p - digits > 18 || p[0] != '\r' || p[1] != '\n')
                return unknown();
            p += 2;
            if (negative)
                n = -n;
        } else if (type == '+') {
            const char *cr = static_cast<const char *>(std::memchr(p, '\r', size_t(end - p)));
            if (!cr || cr + 1 >= end)
                break;
            p = cr + 2;
        } else {
            return unknown(); // an error reply, RESP3 or not a reply: the parser says what
        }
        // What a header announces past the limit fails now, as the parser would: waiting for
        // the rest would wait for ever (or for gigabytes).
        const qint64 here = p - base;
        if (type == '*' && n > 0
            && (n > m_maxReplyBytes / (minElementWireBytes + elementCost)
                || here + n * (minElementWireBytes + elementCost) > m_maxReplyBytes))
            return failWith(tooLarge());
        if (type == '$' && n > 0 && (n > m_maxReplyBytes || here + n + 2 > m_maxReplyBytes))
            return failWith(tooLarge());
        if (type == '*') {
            if (n < 0) {
                if (depth > 0 || entriesDepth == 0)
                    return unknown(); // XRANGE never answers nil; XREAD only at the root
            } else {
                // An entries array: XRANGE's root, or XREAD's second element of a stream.
                if (depth == entriesDepth && (entriesDepth == 0 || index == 1)) {
                    if (entriesDepth == 0)
                        st.scan.runs.emplace_back();
                    if (!st.scan.runs.empty())
                        st.scan.runs.back().entries = n;
                }
                if (n > 0) {
                    if (st.stack.size() >= maxScanDepth)
                        return unknown();
                    st.stack.push_back({n, 0});
                    opened = true;
                }
            }
        } else if (type == '$') {
            if (n < 0 || end - p < n + 2)
                return n < 0 ? unknown()
                             : Result<std::optional<EntriesScan>>(
                                 std::optional<EntriesScan>()); // not all here
            if (depth == entriesDepth + 2 && index == 0 && !st.scan.runs.empty()) {
                st.lastIdAt = p - base; // read when the reply is complete
                st.lastIdSize = n;
            } else if (entriesDepth == 2 && depth == 2 && index == 0) {
                st.finishRun(base);
                st.scan.runs.emplace_back();
                st.scan.runs.back().stream = QByteArray(p, qsizetype(n));
            }
            p += n + 2;
        } else if (depth == 0) {
            return unknown(); // a status or an integer
        }
        at = p - base;
        st.offset = at;
        if (opened)
            continue;
        // The element is complete: so are the arrays it completes.
        while (!st.stack.empty() && ++st.stack.back().index == st.stack.back().size)
            st.stack.pop_back();
        if (st.stack.empty()) {
            st.finishRun(base);
            EntriesScan done = std::move(st.scan);
            done.bytes = at;
            m_scan = ScanState();
            return std::optional<EntriesScan>(std::move(done));
        }
    }
    return std::optional<EntriesScan>();
}

void ReplyParser::ScanState::finishRun(const char *base) {
    if (lastIdAt >= 0 && !scan.runs.empty())
        scan.runs.back().lastId = QByteArray(base + lastIdAt, qsizetype(lastIdSize));
    lastIdAt = -1;
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
