#include "StreamPaging.h"

#include <QDateTime>

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

Result<StreamEntryList> fetchHistoryPage(RedisConnection &connection, const QByteArray &stream,
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
    }
    StreamEntryList entries;
    auto reply = connection.commandEntries(
        {"XREVRANGE", stream, end, "-", "COUNT", QByteArray::number(count)}, 0, &entries, -1,
        stream);
    if (!reply.ok())
        return reply.error();
    if (reply->isError())
        return Error(
            Error::Kind::Server,
            QStringLiteral("reading %1: %2").arg(QString::fromUtf8(stream), reply->errorMessage()));
    return entries;
}

} // namespace streamscope
