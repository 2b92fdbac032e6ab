#include "StreamId.h"

#include <algorithm>
#include <limits>

namespace streamscope {

namespace {

bool parseNumber(const char *begin, const char *end, quint64 *out) {
    if (begin == end || end - begin > 20)
        return false;
    quint64 value = 0;
    for (const char *p = begin; p != end; ++p) {
        if (*p < '0' || *p > '9')
            return false;
        const quint64 digit = quint64(*p - '0');
        if (value > (std::numeric_limits<quint64>::max() - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

} // namespace

Result<StreamId> StreamId::parse(const QByteArray &text) {
    const char *begin = text.constData();
    const char *end = begin + text.size();
    const char *dash = std::find(begin, end, '-');
    StreamId id;
    if (parseNumber(begin, dash, &id.ms) && (dash == end || parseNumber(dash + 1, end, &id.seq)))
        return id;
    return Error(Error::Kind::InvalidArgument,
                 QStringLiteral("malformed stream ID \"%1\": expected <milliseconds>-<sequence>, "
                                "e.g. 1700000000000-0")
                     .arg(QString::fromUtf8(text)));
}

StreamId StreamId::fromServer(QByteArrayView text) {
    StreamId id;
    if (!parseServer(text, &id))
        return {};
    return id;
}

bool StreamId::parseServer(QByteArrayView text, StreamId *out) {
    const char *begin = text.constData();
    const char *end = begin + text.size();
    const char *dash = std::find(begin, end, '-');
    StreamId id;
    if (!parseNumber(begin, dash, &id.ms) || (dash != end && !parseNumber(dash + 1, end, &id.seq)))
        return false;
    *out = id;
    return true;
}

QDateTime StreamId::timestamp() const {
    if (!hasTimestamp())
        return {};
    return QDateTime::fromMSecsSinceEpoch(qint64(ms));
}

namespace {
QString noTime() {
    return QStringLiteral("(no date: time out of range)");
}
} // namespace

QString StreamId::timeText(const QString &format) const {
    return hasTimestamp() ? timestamp().toString(format) : noTime();
}

QString StreamId::timeText(Qt::DateFormat format) const {
    return hasTimestamp() ? timestamp().toString(format) : noTime();
}

QByteArray StreamId::toByteArray() const {
    return QByteArray::number(ms) + '-' + QByteArray::number(seq);
}

StreamId StreamId::predecessor() const {
    if (seq > 0)
        return {ms, seq - 1};
    if (ms == 0)
        return {};
    return {ms - 1, std::numeric_limits<quint64>::max()};
}

bool StreamId::isMax() const {
    return ms == std::numeric_limits<quint64>::max() && seq == std::numeric_limits<quint64>::max();
}

StreamId StreamId::successor() const {
    if (isMax())
        return *this;
    if (seq == std::numeric_limits<quint64>::max())
        return {ms + 1, 0};
    return {ms, seq + 1};
}

} // namespace streamscope
