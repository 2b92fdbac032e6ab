#include "Redrive.h"

#include "ClusterSlots.h"
#include "DeadLetter.h"
#include "Permissions.h"
#include "StreamEntry.h"
#include "Wording.h"

#include <QCryptographicHash>
#include <QMap>
#include <QSet>

#include <algorithm>

namespace streamscope {

namespace {

constexpr int markerSeconds = 7 * 24 * 3600;
constexpr int pipelineChunk = 200; // commands per round trip for reads by ID and TYPE checks

// The digest of a letter's fields as stored: each string as <length>:<bytes>. The scripts
// compute the same with redis.sha1hex.
QByteArray digestOf(const StreamEntry &entry) {
    QCryptographicHash hash(QCryptographicHash::Sha1);
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        for (const QByteArrayView s : {name, value}) {
            hash.addData(QByteArray::number(s.size()) + ':');
            hash.addData(s);
        }
    });
    return hash.result().toHex();
}

// One server or one slot: check the letter is there and unchanged, add it to its origin, delete
// it, all in one atomic step. KEYS: dlq, origin. ARGV: letter id, digest, fields...
// Returns {new id, 1}, or {"", 0} when the letter is gone, {"", 2} when it changed.
const char sameSlotScript[] = R"lua(
local e = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #e == 0 then return {'', 0} end
local parts = {}
for _, v in ipairs(e[1][2]) do parts[#parts + 1] = #v .. ':' .. v end
if redis.sha1hex(table.concat(parts)) ~= ARGV[2] then return {'', 2} end
local id = redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('XDEL', KEYS[1], ARGV[1])
return {id, 1}
)lua";

QByteArray shaOf(const char *script) {
    return QCryptographicHash::hash(QByteArray(script), QCryptographicHash::Sha1).toHex();
}

// EVALSHA for a batch in one pipeline; those a node answers NOSCRIPT (nothing ran) again with
// EVAL, which also caches the script there for the next batch. Each command is
// {"EVALSHA", sha, numkeys, ...}.
Result<std::vector<RedisReply>> evalBatch(RedisClient &connection, const char *script,
                                          QList<Command> commands) {
    auto replies = connection.pipeline(commands);
    if (!replies.ok())
        return replies;
    QList<Command> again;
    QList<size_t> where;
    for (size_t i = 0; i < replies->size(); ++i)
        if (replies->at(i).isError() && replies->at(i).errorCode() == "NOSCRIPT") {
            Command c = commands.at(qsizetype(i));
            c[0] = "EVAL";
            c[1] = script;
            again << c;
            where << i;
        }
    if (again.isEmpty())
        return replies;
    auto retried = connection.pipeline(again);
    if (!retried.ok())
        return retried;
    for (qsizetype i = 0; i < where.size(); ++i)
        replies.value()[where.at(i)] = retried->at(size_t(i));
    return replies;
}

QString dlqText(const QByteArray &dlq) {
    return QString::fromUtf8(dlq);
}

// The letter read from the DLQ, judged.
RedriveLetter letterFrom(const StreamEntry &entry, const RedriveRequest &request) {
    RedriveLetter letter;
    letter.id = entry.id;
    letter.digest = digestOf(entry);
    letter.originalId = entry.value("dlq.id");
    const QByteArray named = entry.value("dlq.stream");
    letter.origin = request.to.isEmpty() ? named : request.to;
    entry.forEachField([&](QByteArrayView name, QByteArrayView value) {
        if (!name.startsWith("dlq."))
            letter.fields << name.toByteArray() << value.toByteArray();
    });
    if (entry.deleted || entry.fieldCount() == 0)
        letter.problem = QStringLiteral("the letter has no fields");
    else if (letter.origin.isEmpty())
        letter.problem = QStringLiteral("no dlq.stream field, %1").arg(request.targetHint);
    else if (letter.fields.isEmpty())
        letter.problem = entry.value("dlq.deleted") == "1"
                             ? QStringLiteral("its entry had been deleted before it was "
                                              "dead-lettered: the letter holds no body")
                             : QStringLiteral("it holds only dlq.* fields: no body to send back");
    else if (letter.origin == request.dlq)
        letter.problem = QStringLiteral("its origin is the dead-letter stream itself");
    return letter;
}

// ACL DRYRUN of what redrive() sends for one letter per origin (at most 10 origins), with the
// real keys: a refusal is known before anything is sent. "" when allowed or when it cannot be
// asked (before 7.0, or the user may not run ACL DRYRUN: then a refusal comes as it comes).
QString redriveForbidden(RedisClient &c, const QByteArray &dlq, const RedriveLetterList &letters,
                         const QByteArray &sameSha, const QByteArray &copySha) {
    QList<const RedriveLetter *> samples;
    QSet<QByteArray> seen;
    for (const RedriveLetter &l : letters)
        if (l.canRedrive() && !seen.contains(l.origin) && samples.size() < 10) {
            seen.insert(l.origin);
            samples << &l;
        }
    if (samples.isEmpty())
        return {};
    const bool cluster = c.topology() == RedisClient::Topology::Cluster;
    QList<Command> asks;
    for (const RedriveLetter *l : std::as_const(samples)) {
        const QByteArray id = l->id.toByteArray();
        const QByteArray f = l->fields.value(0), v = l->fields.value(1);
        if (!cluster || cluster::keySlot(l->origin) == cluster::keySlot(dlq)) {
            asks << Command{"EVALSHA", sameSha, "2", dlq, l->origin, id}
                 << Command{"EVAL", "return 1", "2", dlq, l->origin, id};
        } else {
            const QByteArray marker = redriveMarker(l->origin, dlq, *l);
            asks << Command{"EVALSHA", copySha, "2", l->origin, marker}
                 << Command{"EVAL", "return 1", "2", l->origin, marker} << Command{"GET", marker}
                 << Command{"SET", marker, id, "EX", "1"};
        }
        asks << Command{"XADD", l->origin, "*", f, v} << Command{"XDEL", dlq, id};
    }
    return dryRunRefusal(c, asks, QStringLiteral("redrive these letters"));
}

} // namespace

bool looksLikeDeadLetterStream(const QByteArray &stream) {
    return stream.endsWith(":dlq");
}

QByteArray redriveMarker(const QByteArray &origin, const QByteArray &dlq,
                         const RedriveLetter &letter) {
    // deadLetterMarker's hash tag for a key in origin's slot: "{tag}" starts it.
    const QByteArray sample = deadLetterMarker(origin, {}, {}, {});
    return sample.left(sample.indexOf('}') + 1) + ":dlq-redriven:" + dlq + ':'
           + letter.id.toByteArray() + ':' + letter.digest;
}

qsizetype RedrivePreview::redrivable() const {
    return std::count_if(letters.begin(), letters.end(),
                         [](const RedriveLetter &l) { return l.canRedrive(); });
}

QList<QPair<QByteArray, qsizetype>> RedrivePreview::perOrigin() const {
    QMap<QByteArray, qsizetype> counts;
    for (const RedriveLetter &l : letters)
        if (l.canRedrive())
            ++counts[l.origin];
    QList<QPair<QByteArray, qsizetype>> out;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        out << qMakePair(it.key(), it.value());
    return out;
}

namespace {

// "12 letters to order-events, 3 to payment-events"
QString destinationsText(const QList<QPair<QByteArray, qsizetype>> &perOrigin) {
    QStringList parts;
    for (const auto &[origin, count] : perOrigin)
        parts << (parts.isEmpty() ? countOf(count, "letter", "letters") : formatCount(count))
                     + QStringLiteral(" to ") + QString::fromUtf8(origin);
    return parts.join(QStringLiteral(", "));
}

// "1 skipped: no dlq.stream field, give --to; 2 skipped: ..." grouped by reason.
QString problemsText(const RedriveLetterList &letters, const QString &verb) {
    QMap<QString, qsizetype> byReason;
    QStringList order;
    for (const RedriveLetter &l : letters) {
        if (l.canRedrive())
            continue;
        if (!byReason.contains(l.problem))
            order << l.problem;
        ++byReason[l.problem];
    }
    QStringList parts;
    for (const QString &reason : order)
        parts << QStringLiteral("%1 %2: %3").arg(formatCount(byReason.value(reason)), verb, reason);
    return parts.join(QStringLiteral("; "));
}

} // namespace

QString RedrivePreview::summary() const {
    QStringList parts;
    const qsizetype n = redrivable();
    parts << (n == 0
                  ? QStringLiteral("nothing to redrive from %1").arg(dlqText(dlq))
                  : QStringLiteral("%1 from %2").arg(destinationsText(perOrigin()), dlqText(dlq)));
    if (const QString problems = problemsText(letters, QStringLiteral("cannot be redriven"));
        !problems.isEmpty())
        parts << problems;
    if (!missingIds.isEmpty())
        parts << QStringLiteral("%1 not in %2: %3")
                     .arg(countOf(missingIds.size(), "ID", "IDs"), dlqText(dlq),
                          QString::fromUtf8(missingIds.join(' ')));
    if (truncated)
        parts << QStringLiteral("only the first %1 of %2 were read (the limit): run again "
                                "for the rest")
                     .arg(countOf(limit, "letter", "letters"), formatCount(dlqLength));
    return parts.join(QStringLiteral("; "));
}

QString RedriveOutcome::summary() const {
    QMap<QByteArray, qsizetype> counts;
    qsizetype earlierCount = 0;
    for (const Done &d : redriven) {
        ++counts[d.origin];
        earlierCount += d.earlier ? 1 : 0;
    }
    QList<QPair<QByteArray, qsizetype>> per;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        per << qMakePair(it.key(), it.value());
    QStringList parts;
    parts << (redriven.isEmpty() ? QStringLiteral("redrove no letter")
                                 : QStringLiteral("redrove ") + destinationsText(per));
    if (earlierCount > 0)
        parts << QStringLiteral("%1 had been added by an interrupted earlier run and %2 only "
                                "deleted from the dead-letter stream now")
                     .arg(countOf(earlierCount, "letter", "letters"),
                          earlierCount == 1 ? QStringLiteral("was") : QStringLiteral("were"));
    if (const QString problems = problemsText(skipped, QStringLiteral("skipped"));
        !problems.isEmpty())
        parts << problems;
    if (!vanished.isEmpty())
        parts << QStringLiteral("%1 left alone: gone from the dead-letter stream or changed since "
                                "the preview (redriven by someone else?)")
                     .arg(formatCount(vanished.size()));
    if (error)
        parts << QStringLiteral("stopped: %1").arg(error.message);
    return parts.join(QStringLiteral("; "));
}

Result<RedrivePreview> previewRedrive(RedisClient &connection, const RedriveRequest &request) {
    if (request.dlq.isEmpty())
        return Error(Error::Kind::InvalidArgument, QStringLiteral("no dead-letter stream given"));
    if (request.ids.isEmpty() && !request.all)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("say which letters: give their IDs, or all of them"));
    const QByteArray &dlq = request.dlq;
    RedrivePreview preview;
    preview.dlq = dlq;
    preview.limit = qMax(1, request.limit);
    auto head = connection.pipeline({{"TYPE", dlq}, {"XLEN", dlq}});
    if (!head.ok())
        return head.error();
    // TYPE refused (an ACL without +type): XLEN's answer below says what is wrong instead.
    const QByteArray type = head->at(0).isError() ? QByteArray() : head->at(0).bytes();
    if (type == "none")
        return Error(
            Error::Kind::Server,
            QStringLiteral("%1 does not exist: there is no letter to redrive").arg(dlqText(dlq)));
    if (!type.isEmpty() && type != "stream")
        return Error(
            Error::Kind::Server,
            QStringLiteral("%1 is a %2, not a stream").arg(dlqText(dlq), QString::fromUtf8(type)));
    if (head->at(1).isError())
        return Error(Error::Kind::Server,
                     QStringLiteral("XLEN %1: %2").arg(dlqText(dlq), head->at(1).errorMessage()));
    preview.dlqLength = head->at(1).integer();

    StreamEntryList entries;
    if (!request.ids.isEmpty()) {
        // By ID, deduplicated, in ID order; a chunk of XRANGE id id per round trip.
        QList<StreamId> ids;
        for (const QByteArray &text : request.ids) {
            auto id = StreamId::parse(text);
            if (!id.ok())
                return Error(
                    Error::Kind::InvalidArgument,
                    QStringLiteral("\"%1\" is not an entry ID").arg(QString::fromUtf8(text)));
            if (!ids.contains(id.value()))
                ids << id.value();
        }
        std::sort(ids.begin(), ids.end());
        if (ids.size() > preview.limit)
            return Error(Error::Kind::InvalidArgument,
                         QStringLiteral("%1 given: at most %2 per run")
                             .arg(countOf(ids.size(), "ID", "IDs"), formatCount(preview.limit)));
        for (qsizetype start = 0; start < ids.size(); start += pipelineChunk) {
            QList<Command> reads;
            const QList<StreamId> chunk = ids.mid(start, pipelineChunk);
            for (const StreamId &id : chunk)
                reads << Command{"XRANGE", dlq, id.toByteArray(), id.toByteArray()};
            auto replies = connection.pipeline(reads);
            if (!replies.ok())
                return replies.error();
            for (qsizetype i = 0; i < chunk.size(); ++i) {
                const RedisReply &r = replies->at(size_t(i));
                if (r.isError())
                    return Error(
                        Error::Kind::Server,
                        QStringLiteral("XRANGE %1: %2").arg(dlqText(dlq), r.errorMessage()));
                const qsizetype before = entries.size();
                if (!appendEntries(r, dlq, &entries))
                    return Error(
                        Error::Kind::Protocol,
                        QStringLiteral("XRANGE %1 gave an unexpected answer").arg(dlqText(dlq)));
                if (entries.size() == before)
                    preview.missingIds << chunk.at(i).toByteArray();
            }
        }
    } else {
        // Paged by ID, at most limit letters.
        QByteArray from = "-";
        const int page = qMax(1, request.pageSize);
        while (entries.size() < preview.limit) {
            const int count = int(qMin<qsizetype>(page, preview.limit - entries.size()));
            StreamEntryList got;
            auto reply = connection.commandEntries(
                {"XRANGE", dlq, from, "+", "COUNT", QByteArray::number(count)}, 0, &got, -1, dlq);
            if (!reply.ok())
                return reply.error();
            if (reply->isError())
                return Error(
                    Error::Kind::Server,
                    QStringLiteral("XRANGE %1: %2").arg(dlqText(dlq), reply->errorMessage()));
            entries += got;
            if (got.size() < count)
                break;
            from = '(' + got.last().id.toByteArray();
        }
        if (entries.size() >= preview.limit) {
            auto more = connection.command({"XRANGE", dlq, from, "+", "COUNT", "1"});
            if (!more.ok())
                return more.error();
            preview.truncated = more->isArray() && more->size() > 0;
        }
    }

    RedriveRequest judged = request;
    for (const StreamEntry &e : std::as_const(entries))
        preview.letters << letterFrom(e, judged);

    // A key that is not a stream cannot take letters: TYPE of each origin, chunked.
    QList<QByteArray> origins;
    QSet<QByteArray> seen;
    for (const RedriveLetter &l : std::as_const(preview.letters))
        if (l.canRedrive() && !seen.contains(l.origin)) {
            seen.insert(l.origin);
            origins << l.origin;
        }
    QHash<QByteArray, QByteArray> typeOf;
    for (qsizetype start = 0; start < origins.size(); start += pipelineChunk) {
        QList<Command> asks;
        const QList<QByteArray> chunk = origins.mid(start, pipelineChunk);
        for (const QByteArray &o : chunk)
            asks << Command{"TYPE", o};
        auto replies = connection.pipeline(asks);
        if (!replies.ok())
            return replies.error();
        for (qsizetype i = 0; i < chunk.size(); ++i) {
            const RedisReply &r = replies->at(size_t(i));
            // Refused (no +type): not checked here; XADD refuses a key of another type in the
            // redrive's first step, before anything is written.
            if (!r.isError())
                typeOf.insert(chunk.at(i), r.bytes());
        }
    }
    for (RedriveLetter &l : preview.letters) {
        const QByteArray originType = typeOf.value(l.origin);
        if (l.canRedrive() && !originType.isEmpty() && originType != "stream"
            && originType != "none")
            l.problem = QStringLiteral("%1 is a %2, not a stream")
                            .arg(QString::fromUtf8(l.origin), QString::fromUtf8(originType));
        if (originType == "none" && !preview.newOrigins.contains(l.origin))
            preview.newOrigins << l.origin;
    }
    preview.forbidden = redriveForbidden(connection, dlq, preview.letters, shaOf(sameSlotScript),
                                         shaOf(markedCopyScript));
    return preview;
}

namespace {

Error stoppedBy(const Error &transport, const RedriveOutcome &outcome) {
    if (transport.kind == Error::Kind::ReadOnly) // refused before anything was sent
        return transport;
    return Error(transport.kind,
                 QStringLiteral("%1; the letters of the last batch may or may not have been "
                                "redriven (%2 done before it): run the same redrive again, "
                                "no letter is added twice")
                     .arg(transport.message, formatCount(outcome.redriven.size())));
}

} // namespace

Result<RedriveOutcome> redrive(RedisClient &connection, const RedrivePreview &preview,
                               const RedriveHooks &hooks) {
    RedriveOutcome outcome;
    RedriveLetterList todo;
    for (const RedriveLetter &l : preview.letters)
        (l.canRedrive() ? todo : outcome.skipped) << l;
    const QByteArray &dlq = preview.dlq;
    if (connection.isReadOnly() || connection.settings().readOnlyNow())
        return Error(Error::Kind::ReadOnly,
                     QStringLiteral("read-only mode: redriving would add %1 and delete them from "
                                    "%2, so nothing was sent. Turn read-only mode off to redrive "
                                    "(a preview works in read-only mode)")
                         .arg(todo.isEmpty() ? QStringLiteral("letters")
                                             : destinationsText(preview.perOrigin()),
                              dlqText(dlq)));
    if (!todo.isEmpty() && !preview.forbidden.isEmpty())
        return Error(Error::Kind::Server,
                     QStringLiteral("%1; nothing was sent").arg(preview.forbidden));
    const bool cluster = connection.topology() == RedisClient::Topology::Cluster;
    const int dlqSlot = cluster::keySlot(dlq);
    const QByteArray sameSha = shaOf(sameSlotScript), copySha = shaOf(markedCopyScript);
    const int batch = qMax(1, hooks.batch);

    for (qsizetype start = 0; start < todo.size(); start += batch) {
        if (hooks.cancel && hooks.cancel->load()) {
            outcome.error = Error(Error::Kind::Cancelled,
                                  QStringLiteral("cancelled: %1 not redriven")
                                      .arg(countOf(todo.size() - start, "letter", "letters")));
            break;
        }
        const RedriveLetterList chunk = todo.mid(start, batch);
        RedriveLetterList same, cross;
        for (const RedriveLetter &l : chunk)
            (!cluster || cluster::keySlot(l.origin) == dlqSlot ? same : cross) << l;

        // One slot: one atomic script per letter, pipelined.
        if (!same.isEmpty()) {
            QList<Command> commands;
            for (const RedriveLetter &l : std::as_const(same)) {
                Command c{"EVALSHA", sameSha, "2", dlq, l.origin, l.id.toByteArray(), l.digest};
                c << l.fields;
                commands << c;
            }
            auto replies = evalBatch(connection, sameSlotScript, commands);
            if (!replies.ok()) {
                outcome.error = stoppedBy(replies.error(), outcome);
                break;
            }
            for (qsizetype i = 0; i < same.size(); ++i) {
                const RedisReply &r = replies->at(size_t(i));
                const RedriveLetter &l = same.at(i);
                if (r.isError() || !r.isArray() || r.size() != 2) {
                    // Nothing of this letter was written: XADD is the script's first write.
                    if (!outcome.error)
                        outcome.error =
                            Error(Error::Kind::Server,
                                  QStringLiteral("redriving %1 to %2 failed: %3; it is still in %4")
                                      .arg(l.id.toString(), QString::fromUtf8(l.origin),
                                           r.isError() ? r.errorMessage()
                                                       : QStringLiteral("an unexpected answer"),
                                           dlqText(dlq)));
                    continue;
                }
                if (r.at(1).integer() != 1)
                    outcome.vanished << l.id;
                else
                    outcome.redriven
                        << RedriveOutcome::Done{l.id, l.origin, r.at(0).bytes(), false};
            }
        }

        // Across slots: check, copy with a marker, then delete.
        if (!cross.isEmpty() && !outcome.error) {
            QList<Command> reads;
            for (const RedriveLetter &l : std::as_const(cross))
                reads << Command{"XRANGE", dlq, l.id.toByteArray(), l.id.toByteArray()};
            auto present = connection.pipeline(reads);
            if (!present.ok()) {
                outcome.error = present.error();
                break;
            }
            RedriveLetterList still;
            for (qsizetype i = 0; i < cross.size(); ++i) {
                StreamEntryList found;
                const RedisReply &r = present->at(size_t(i));
                if (r.isError()) {
                    outcome.error =
                        Error(Error::Kind::Server,
                              QStringLiteral("XRANGE %1: %2").arg(dlqText(dlq), r.errorMessage()));
                    break;
                }
                if (appendEntries(r, dlq, &found) && found.size() == 1
                    && digestOf(found.first()) == cross.at(i).digest)
                    still << cross.at(i);
                else
                    outcome.vanished << cross.at(i).id;
            }
            if (outcome.error)
                break;
            QList<Command> copies;
            for (const RedriveLetter &l : std::as_const(still)) {
                Command c{"EVALSHA",
                          copySha,
                          "2",
                          l.origin,
                          redriveMarker(l.origin, dlq, l),
                          QByteArray::number(markerSeconds)};
                c << l.fields;
                copies << c;
            }
            if (!copies.isEmpty()) {
                auto replies = evalBatch(connection, markedCopyScript, copies);
                if (!replies.ok()) {
                    outcome.error = stoppedBy(replies.error(), outcome);
                    break;
                }
                QList<RedriveOutcome::Done> copied;
                for (qsizetype i = 0; i < still.size(); ++i) {
                    const RedisReply &r = replies->at(size_t(i));
                    const RedriveLetter &l = still.at(i);
                    if (r.isError() || !r.isArray() || r.size() != 2) {
                        if (!outcome.error)
                            outcome.error = Error(
                                Error::Kind::Server,
                                QStringLiteral("redriving %1 to %2 failed: %3; it is still in %4")
                                    .arg(l.id.toString(), QString::fromUtf8(l.origin),
                                         r.isError() ? r.errorMessage()
                                                     : QStringLiteral("an unexpected answer"),
                                         dlqText(dlq)));
                        continue;
                    }
                    copied << RedriveOutcome::Done{l.id, l.origin, r.at(0).bytes(),
                                                   r.at(1).integer() == 0};
                }
                if (hooks.afterCopy && !hooks.afterCopy(copied.size())) {
                    outcome.error = Error(
                        Error::Kind::Cancelled,
                        QStringLiteral("stopped after adding %1 to their origins, before deleting "
                                       "them from %2: run again to delete them (they are not "
                                       "added twice)")
                            .arg(countOf(copied.size(), "letter", "letters"), dlqText(dlq)));
                    break;
                }
                QList<Command> deletes;
                for (const RedriveOutcome::Done &d : std::as_const(copied))
                    deletes << Command{"XDEL", dlq, d.letter.toByteArray()};
                if (!deletes.isEmpty()) {
                    auto deleted = connection.pipeline(deletes);
                    for (qsizetype i = 0; i < copied.size(); ++i) {
                        const QString why = !deleted.ok() ? deleted.error().message
                                            : deleted->at(size_t(i)).isError()
                                                ? deleted->at(size_t(i)).errorMessage()
                                                : QString();
                        if (why.isEmpty()) {
                            outcome.redriven << copied.at(i);
                            continue;
                        }
                        if (!outcome.error)
                            outcome.error = Error(
                                deleted.ok() ? Error::Kind::Server : deleted.error().kind,
                                QStringLiteral("%1 was added to %2 as %3, but deleting it from %4 "
                                               "failed (%5): it is still there; redriving it again "
                                               "only deletes it (it is not added twice)")
                                    .arg(copied.at(i).letter.toString(),
                                         QString::fromUtf8(copied.at(i).origin),
                                         QString::fromUtf8(copied.at(i).newId), dlqText(dlq), why));
                    }
                }
            }
        }
        if (hooks.progress)
            hooks.progress(outcome.redriven.size(), todo.size());
        if (outcome.error)
            break;
    }
    return outcome;
}

} // namespace streamscope
