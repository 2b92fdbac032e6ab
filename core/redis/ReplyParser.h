#pragma once

#include "Error.h"
#include "RedisReply.h"
#include "StreamEntry.h"

#include <QByteArray>
#include <QList>

#include <optional>
#include <vector>

struct redisReader;

namespace streamscope {

// Incremental RESP parser: hiredis' redisReader does the parsing, its object callbacks build
// RedisReply nodes in place, so each byte is copied once into the tree (no redisReply tree
// converted afterwards).
//
// Nothing the server sends is trusted: no header sizes anything up front (arrays grow as
// their elements arrive), one reply may not grow past maxReplyBytes(), and in entries mode a
// reply of another shape is a protocol error instead of being guessed at.
class ReplyParser {
public:
    // A generous default: a 10,000-entry page of 50 KB entries is about 500 MB.
    static constexpr qint64 defaultMaxReplyBytes = qint64(512) * 1024 * 1024;
    // What one element costs beyond its bytes on the wire (its node here), for the limit.
    static constexpr qint64 elementCost = 64;

    ReplyParser();
    ~ReplyParser();
    ReplyParser(const ReplyParser &) = delete;
    ReplyParser &operator=(const ReplyParser &) = delete;

    void feed(const char *data, qsizetype size);
    void feed(const QByteArray &data) { feed(data.constData(), data.size()); }

    // A complete reply, std::nullopt when more bytes are needed, or a protocol error (after
    // which the stream is unusable: the caller must drop the connection). Replies larger than
    // maxReplyBytes() are protocol errors too, found as soon as the bytes received or a header
    // announce it.
    Result<std::optional<RedisReply>> next();

    // The size of one reply is its bytes on the wire plus elementCost for each element below
    // the root: about the memory it takes here. Kept across reset().
    void setMaxReplyBytes(qint64 bytes) { m_maxReplyBytes = bytes; }
    qint64 maxReplyBytes() const { return m_maxReplyBytes; }

    // Entries mode, for the next reply only: entries arrays found entriesDepth levels down
    // (0 for XRANGE, 1 for XAUTOCLAIM, 2 for XREAD; below the root, the second element of its
    // parent) go straight into *out as StreamEntry values, and the returned reply keeps only
    // the skeleton (stream names, empty entries arrays). stream names the entries when
    // entriesDepth is not 2. A reply of any other shape (an entry that is not [ID, [field,
    // value, ...]], an ID that is not an ID...) is a protocol error and nothing is appended.
    void expectEntries(StreamEntryList *out, int entriesDepth, const QByteArray &stream = {});

    // What the next reply holds, found without parsing it (headers read, bulk strings skipped
    // by their lengths): for a reply of stream entries (entriesDepth as for expectEntries),
    // each entries array's length and its last entry's ID. Lets a reader ask for the next page
    // before it parses this one (read-ahead). One run per entries array: XRANGE's one, XREAD's
    // one per stream it names (name set).
    struct EntriesScan {
        struct Run {
            QByteArray stream; // XREAD: the stream's name; empty for XRANGE
            qint64 entries = 0;
            QByteArray lastId; // the last entry's ID as the server wrote it; empty: none
        };
        // False when the reply is not entries as expected (an error reply, another shape, a
        // type this scan does not know): parse it to learn what it is; runs then say nothing.
        bool entries = false;
        std::vector<Run> runs;
        qint64 bytes = 0; // the reply's size on the wire
    };
    // The scan of the next reply once all its bytes were fed, std::nullopt while more are
    // needed (the work done so far is kept: feeding more resumes it), or the protocol error of
    // a reply past maxReplyBytes(). Reads nothing: next() parses the same reply afterwards.
    // Only before next() started on that reply (no reply half-parsed).
    Result<std::optional<EntriesScan>> scanEntries(int entriesDepth);

    // Starts over with an empty buffer (after reconnecting).
    void reset();

    // Formats a command as RESP (hiredis' redisFormatCommandArgv), binary safe.
    static QByteArray formatCommand(const QList<QByteArray> &args);

    // Whether an error is the one of a reply past maxReplyBytes (a smaller COUNT may pass).
    static bool isTooLarge(const Error &error);

private:
    friend class ReplyBuilder;

    struct EntriesMode {
        StreamEntryList *out = nullptr;
        int depth = 0;
        QByteArray stream; // the stream of the entries array being read
        qsizetype sizeBefore = 0;
        std::optional<EntryBuilder> builder;
    };

    qint64 consumed() const;  // bytes hiredis has parsed since the last reset()
    qint64 replySize() const; // the reply under way, as the limit counts it
    // When the reply under way waits for the rest of a bulk string: its announced size.
    qint64 pendingBulkBytes() const;
    Error tooLarge() const;
    Error failWith(Error error); // resets, and hands the error on

    struct ScanFrame {
        qint64 size = 0;
        qint64 index = 0;
    };
    struct ScanState {
        qint64 offset = 0; // past the reader's position: where the scan goes on
        std::vector<ScanFrame> stack;
        EntriesScan scan;
        bool started = false;
        qint64 lastIdAt = -1; // the last entry ID of the run under way, past the position
        qint64 lastIdSize = 0;
        void finishRun(const char *base);
    };

    redisReader *m_reader = nullptr;
    ScanState m_scan;
    std::optional<EntriesMode> m_entries;
    qint64 m_maxReplyBytes = defaultMaxReplyBytes;
    qint64 m_fed = 0;               // bytes fed since the last reset()
    qint64 m_replyStart = 0;        // consumed() when the reply under way began
    qint64 m_elements = 0;          // elements below the root of the reply under way
    std::optional<Error> m_failure; // set by a callback that refused the reply
};

} // namespace streamscope
