#include "StreamPaging.h"

#include <QDateTime>

#include <algorithm>

#include <limits>

namespace streamscope {

PageStart PageStart::atTime(qint64 msSinceEpoch) {
    return atOrBefore(
        {quint64(qMax<qint64>(0, msSinceEpoch)), std::numeric_limits<quint64>::max()});
}

Result<PageStart> parseIdOrTime(const QString &input, const QDate &today) {
    const QString text = input.trimmed();
    if (text.isEmpty())
        return PageStart::newest();
    if (text.contains(QLatin1Char('-')) && !text.contains(QLatin1Char(':'))) {
        auto id = StreamId::parse(text.toUtf8());
        if (!id.ok())
            return id.error();
        return PageStart::atOrBefore(id.value());
    }
    for (const char *format : {"yyyy-MM-dd HH:mm:ss.zzz", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm",
                               "yyyy-MM-ddTHH:mm:ss"}) {
        const QDateTime at = QDateTime::fromString(text, QString::fromLatin1(format));
        if (at.isValid())
            return PageStart::atTime(at.toMSecsSinceEpoch());
    }
    for (const char *format : {"HH:mm:ss", "HH:mm"}) {
        const QTime time = QTime::fromString(text, QString::fromLatin1(format));
        if (time.isValid())
            return PageStart::atTime(QDateTime(today, time).toMSecsSinceEpoch());
    }
    return Error(Error::Kind::InvalidArgument,
                 QStringLiteral("\"%1\" is neither a time (14:05, 2026-11-25 14:05:30) nor an "
                                "entry ID (1700000000000-0)")
                     .arg(text));
}

namespace {

IdSpan msSpan(qint64 firstMs, qint64 lengthMs) {
    const quint64 first = quint64(qMax<qint64>(0, firstMs));
    const quint64 last = quint64(qMax<qint64>(0, firstMs + lengthMs - 1));
    return {{first, 0}, {last, std::numeric_limits<quint64>::max()}};
}

} // namespace

Result<IdSpan> parseIdOrTimeSpan(const QString &input, const QDate &today) {
    const QString text = input.trimmed();
    const Error notUnderstood(Error::Kind::InvalidArgument,
                              QStringLiteral("\"%1\" is neither a time (14:05, 2026-11-25 "
                                             "14:05:30) nor an entry ID (1700000000000-0)")
                                  .arg(text));
    if (text.isEmpty())
        return notUnderstood;
    bool digitsOnly = true;
    for (const QChar c : text)
        digitsOnly = digitsOnly && c.isDigit();
    if (digitsOnly) { // a bare millisecond time, as XRANGE takes it
        auto id = StreamId::parse(text.toUtf8());
        if (!id.ok())
            return id.error();
        return IdSpan{{id->ms, 0}, {id->ms, std::numeric_limits<quint64>::max()}};
    }
    if (text.contains(QLatin1Char('-')) && !text.contains(QLatin1Char(':'))) {
        const QDate day = QDate::fromString(text, QStringLiteral("yyyy-MM-dd"));
        if (day.isValid()) {
            const qint64 start = QDateTime(day, QTime(0, 0)).toMSecsSinceEpoch();
            return msSpan(start,
                          QDateTime(day.addDays(1), QTime(0, 0)).toMSecsSinceEpoch() - start);
        }
        auto id = StreamId::parse(text.toUtf8());
        if (!id.ok())
            return id.error();
        return IdSpan{id.value(), id.value()};
    }
    struct Format {
        const char *pattern;
        qint64 precisionMs;
    };
    static const Format dateTimes[] = {
        {"yyyy-MM-dd HH:mm:ss.zzz", 1}, {"yyyy-MM-ddTHH:mm:ss.zzz", 1},
        {"yyyy-MM-dd HH:mm:ss", 1000},  {"yyyy-MM-ddTHH:mm:ss", 1000},
        {"yyyy-MM-dd HH:mm", 60000},    {"yyyy-MM-ddTHH:mm", 60000},
    };
    for (const Format &f : dateTimes) {
        const QDateTime at = QDateTime::fromString(text, QString::fromLatin1(f.pattern));
        if (at.isValid())
            return msSpan(at.toMSecsSinceEpoch(), f.precisionMs);
    }
    static const Format times[] = {{"HH:mm:ss.zzz", 1}, {"HH:mm:ss", 1000}, {"HH:mm", 60000}};
    for (const Format &f : times) {
        const QTime time = QTime::fromString(text, QString::fromLatin1(f.pattern));
        if (time.isValid())
            return msSpan(QDateTime(today, time).toMSecsSinceEpoch(), f.precisionMs);
    }
    return notUnderstood;
}

namespace {

Result<StreamEntryList> readRange(RedisClient &connection, const QByteArray &stream,
                                  const QByteArray &verb, const QByteArray &first,
                                  const QByteArray &second, int count) {
    StreamEntryList entries;
    auto reply = connection.commandEntries(
        {verb, stream, first, second, "COUNT", QByteArray::number(count)}, 0, &entries, -1, stream);
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(
            Error::Kind::Server,
            QStringLiteral("reading %1: %2").arg(QString::fromUtf8(stream), reply->errorMessage()));
    return entries;
}

// XRANGE from an exclusive start, newest first like every page.
Result<StreamEntryList> readNewer(RedisClient &connection, const QByteArray &stream,
                                  const StreamId &after, int count) {
    if (after.successor() == after)
        return StreamEntryList(); // nothing is newer than the last possible ID
    auto page =
        readRange(connection, stream, "XRANGE", after.successor().toByteArray(), "+", count);
    if (page.ok())
        std::reverse(page.value().begin(), page.value().end());
    return page;
}

} // namespace

Result<StreamEntryList> fetchHistoryPage(RedisClient &connection, const QByteArray &stream,
                                         const PageStart &start, int count) {
    QByteArray end = "+";
    switch (start.kind) {
    case PageStart::Kind::Newest:
        break;
    case PageStart::Kind::OlderThan:
        if (start.id.isZero())
            return StreamEntryList(); // nothing is older than 0-0
        end = start.id.predecessor().toByteArray();
        break;
    case PageStart::Kind::AtOrBefore:
        end = start.id.toByteArray();
        break;
    case PageStart::Kind::NewerThan:
        return readNewer(connection, stream, start.id, count);
    case PageStart::Kind::Around: {
        auto newer = readNewer(connection, stream, start.id, count - olderShare(count));
        if (!newer.ok())
            return newer;
        auto older = readRange(connection, stream, "XREVRANGE", start.id.toByteArray(), "-",
                               olderShare(count));
        if (!older.ok())
            return older;
        StreamEntryList page = newer.value();
        page.append(older.value());
        return page;
    }
    }
    return readRange(connection, stream, "XREVRANGE", end, "-", count);
}

} // namespace streamscope
