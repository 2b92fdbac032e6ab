#pragma once

// The reply parser fed the way a socket feeds it: in chunks (sizes from the input's first
// bytes, see ChunkPlan), several replies in a row, a protocol error ending the connection
// (the parser starts over, as after a reconnect), an unfinished reply cut by a reset.

#include "FuzzSupport.h"
#include "ReplyParser.h"
#include "StreamEntry.h"
#include "ValueFormat.h"

namespace streamscope::fuzz {

inline void readReply(const RedisReply &reply, int depth = 0) {
    consume(reply.bytes());
    consume(reply.errorCode());
    consume(reply.errorMessage());
    qint64 n = 0;
    if (reply.toInteger(&n))
        consume(QByteArray::number(n));
    FUZZ_CHECK(reply == reply);
    if (!reply.isArray())
        return;
    if (const RedisReply *value = reply.field("entries-added"))
        consume(value->bytes());
    for (const RedisReply &element : reply.elements())
        readReply(element, depth + 1);
    if (depth == 0)
        consume(reply.toDebugString());
}

inline void readEntries(const StreamEntryList &entries) {
    for (const StreamEntry &entry : entries) {
        consume(entry.stream);
        consume(entry.id.toByteArray());
        const QList<QByteArray> fields = entry.fields();
        FUZZ_CHECK(fields.size() == 2 * entry.fieldCount());
        qsizetype i = 0;
        entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
            FUZZ_CHECK(name == entry.fieldName(i) && value == entry.fieldValue(i));
            FUZZ_CHECK(name == fields.at(2 * i) && value == fields.at(2 * i + 1));
            ++i;
        });
        FUZZ_CHECK(i == entry.fieldCount());
        if (entry.fieldCount() > 0)
            consume(entry.value(entry.fieldName(0)));
        QByteArray json;
        valueformat::appendEntryJson(json, entry);
        consume(json);
        consume(valueformat::entrySummary(entry, 40));
    }
}

// Tree mode: every reply as a RedisReply tree, then read as XRANGE and XREAD replies are read
// from a tree (appendEntries).
inline void fuzzTree(const uint8_t *data, size_t size) {
    ChunkPlan plan(data, size);
    ReplyParser parser;
    size_t pos = qMin(size, ChunkPlan::headerSize);
    while (pos < size) {
        const size_t chunk = plan.next(size - pos);
        parser.feed(reinterpret_cast<const char *>(data + pos), qsizetype(chunk));
        pos += chunk;
        for (;;) {
            auto reply = parser.next();
            if (!reply.ok()) {
                consume(reply.error().message);
                break; // the parser has started over, as on a new connection
            }
            if (!reply.value())
                break;
            const RedisReply &tree = *reply.value();
            readReply(tree);
            StreamEntryList entries;
            if (appendEntries(tree, "s", &entries))
                readEntries(entries);
            for (const RedisReply &stream : tree.elements()) {
                entries.clear();
                if (stream.isArray() && stream.size() == 2
                    && appendEntries(stream.at(1), stream.at(0).bytes(), &entries))
                    readEntries(entries);
            }
        }
    }
    parser.reset();
}

// Entries mode: each reply is expected to be an XRANGE reply (entries at depth 0), an
// XAUTOCLAIM reply (depth 1) or an XREAD reply (depth 2), as RedisConnection::commandEntries
// asks for them; the entries accumulate in one list, as a caller's list does across pages.
inline void fuzzEntries(const uint8_t *data, size_t size) {
    ChunkPlan plan(data, size);
    const int depth = plan.entriesDepth();
    StreamEntryList entries;
    ReplyParser parser;
    qsizetype complete = 0; // entries of the replies read whole
    parser.expectEntries(&entries, depth, "s");
    size_t pos = qMin(size, ChunkPlan::headerSize);
    while (pos < size) {
        const size_t chunk = plan.next(size - pos);
        parser.feed(reinterpret_cast<const char *>(data + pos), qsizetype(chunk));
        pos += chunk;
        for (;;) {
            const qsizetype before = entries.size();
            auto reply = parser.next();
            if (!reply.ok()) {
                consume(reply.error().message);
                FUZZ_CHECK(entries.size() == complete);
                parser.expectEntries(&entries, depth, "s"); // the next command's reply
                break;
            }
            if (!reply.value())
                break;
            readReply(*reply.value());
            readEntries(entries.mid(before));
            complete = entries.size();
            parser.expectEntries(&entries, depth, "s");
        }
    }
    // The connection drops in the middle of a reply: nothing half-read may stay behind.
    parser.reset();
    FUZZ_CHECK(entries.size() == complete);
    readEntries(entries);
}

} // namespace streamscope::fuzz
