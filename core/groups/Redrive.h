#pragma once

#include "RedisClient.h"
#include "StreamId.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

#include <atomic>
#include <functional>

namespace streamscope {

// Redrive: dead letters back to the streams they came from (AWS SQS's "redrive").
//
// A letter is an entry of a dead-letter stream (DLQ) as deadLetter() writes it: dlq.stream
// (its origin), dlq.id, dlq.group, ... then the original fields. Redriving one adds the original
// fields, without any dlq.* field, to its origin (a new ID), then deletes it from the DLQ, at
// most once even when interrupted:
// - One server, or a cluster where origin and DLQ share a hash slot: one Lua step checks that
//   the letter is still there and unchanged, adds it to the origin and deletes it.
// - A cluster where they do not (order-events <- order-events:dlq): first a Lua step in the
//   origin's slot adds it and sets a marker key in that slot
//   ({<origin or its hash tag>}:dlq-redriven:<dlq>:<letter id>:<digest>, kept a week) that
//   remembers the new ID; then XDEL. A retry after a crash in between finds the marker, does not
//   add the letter again and only deletes it. The digest (SHA-1 of the letter's fields) keeps a
//   marker from ever matching another letter that reuses the ID (a DLQ deleted and made again).
// Retry an interrupted redrive with the same --to: the marker lives in the origin's slot.

// One letter of a DLQ as the preview read it.
struct RedriveLetter {
    StreamId id;              // in the DLQ
    QByteArray origin;        // where it goes back to: --to, else dlq.stream ("" when neither)
    QByteArray originalId;    // dlq.id, for the record ("" when absent)
    QList<QByteArray> fields; // name, value, ...: the original fields (every dlq.* one left out)
    QByteArray digest;        // SHA-1 (hex) of all the letter's fields as stored
    QString problem;          // why it cannot be redriven; empty when it can
    bool canRedrive() const { return problem.isEmpty(); }
};
using RedriveLetterList = QList<RedriveLetter>;

struct RedriveRequest {
    QByteArray dlq;
    QByteArray to;         // overrides every letter's dlq.stream when not empty
    QList<QByteArray> ids; // these letters; empty with all: every letter
    bool all = false;
    int limit = 10000; // at most this many letters read (and redriven) per run
    int pageSize = 500;
    // What a letter without dlq.stream asks of the user ("give --to" in the CLI).
    QString targetHint = QStringLiteral("give --to");
};

// What a redrive would do: the letters it would send back, to which streams, and the ones it
// cannot send back, each with why.
struct RedrivePreview {
    QByteArray dlq;
    RedriveLetterList letters;    // every letter read, redrivable or not, in ID order
    QList<QByteArray> missingIds; // asked for by ID but not in the DLQ
    qint64 dlqLength = 0;         // XLEN when read
    QList<QByteArray> newOrigins; // origins that do not exist yet (the first letter makes them)
    bool truncated = false;       // --all read only the first `limit` letters
    int limit = 0;
    // Why the connected ACL user may not redrive these letters, with the rule to add (asked with
    // ACL DRYRUN of what the redrive sends, its real keys included); empty when it may, or when
    // the server cannot say (no DRYRUN, or the user may not run it). redrive() refuses then.
    QString forbidden;

    qsizetype redrivable() const;
    qsizetype skipped() const { return letters.size() - redrivable(); }
    // Origin -> how many redrivable letters go there, in name order.
    QList<QPair<QByteArray, qsizetype>> perOrigin() const;
    // "12 letters to order-events; 1 cannot be redriven: no dlq.stream field, give --to"
    QString summary() const;
};

// Reads the letters (paged by ID, at most request.limit; by ID when ids are given) and says what
// would happen. Reads only: allowed in read-only mode. The origins' types are checked (a key that
// is not a stream cannot take a letter), and so are the user's permissions (forbidden).
Result<RedrivePreview> previewRedrive(RedisClient &connection, const RedriveRequest &request);

struct RedriveOutcome {
    struct Done {
        StreamId letter;      // its ID in the DLQ (deleted now)
        QByteArray origin;    // where it went
        QByteArray newId;     // its new ID there
        bool earlier = false; // added by an interrupted earlier run: only deleted now
    };
    QList<Done> redriven;
    RedriveLetterList skipped; // could not be redriven (problem says why), left in the DLQ
    QList<StreamId> vanished;  // gone from the DLQ (or changed) since the preview: not touched
    Error error;               // the redrive stopped here: the letters after it were left alone
    QString summary() const;   // "redrove 12 letters to order-events; 1 skipped: ..."
};

// Test and progress hooks. afterCopy: called across slots once a batch's letters were added to
// their origins (and their markers set) but before they are deleted from the DLQ; returning
// false stops there, as a crash would. progress: letters done so far. cancel: stops between
// batches.
struct RedriveHooks {
    std::function<bool(qsizetype copied)> afterCopy;
    std::function<void(qsizetype done, qsizetype total)> progress;
    const std::atomic<bool> *cancel = nullptr;
    int batch = 100; // letters per pipelined round
};

// Redrives the preview's redrivable letters. Refused (Error::Kind::ReadOnly, nothing sent) in
// read-only mode, and (Error::Kind::Server, nothing sent) when preview.forbidden says the user
// may not. Stops at the first error (outcome.error, the letters done before it listed).
Result<RedriveOutcome> redrive(RedisClient &connection, const RedrivePreview &preview,
                               const RedriveHooks &hooks = {});

// The marker of a cross-slot redrive of letter (see above); in origin's slot.
QByteArray redriveMarker(const QByteArray &origin, const QByteArray &dlq,
                         const RedriveLetter &letter);
// Whether the stream's name says it is a dead-letter stream (ends in ":dlq").
bool looksLikeDeadLetterStream(const QByteArray &stream);

} // namespace streamscope

Q_DECLARE_METATYPE(streamscope::RedrivePreview)
Q_DECLARE_METATYPE(streamscope::RedriveOutcome)
