#include "Wording.h"

#include <QDateTime>
#include <QLocale>

#include <cmath>

namespace streamscope {

namespace {

QLocale numberLocale() {
    QLocale locale;
    // The C locale writes 1799 without grouping: the product reads the same under LANG=C.
    if (locale.language() == QLocale::C)
        locale = QLocale(QLocale::English, QLocale::UnitedStates);
    locale.setNumberOptions(locale.numberOptions() & ~QLocale::OmitGroupSeparator);
    return locale;
}

} // namespace

QString formatCount(qint64 n) {
    return numberLocale().toString(n);
}

QString countOf(qint64 n, const QString &one, const QString &many) {
    return formatCount(n) + QLatin1Char(' ') + (n == 1 || n == -1 ? one : many);
}

QString formatRate(double perSecond, int decimals) {
    if (std::isnan(perSecond) || perSecond < 0)
        return QStringLiteral("-");
    return numberLocale().toString(perSecond, 'f', decimals);
}

QString formatDuration(qint64 ms) {
    if (ms < 0)
        return QStringLiteral("never");
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms);
    if (ms < 60000)
        return ms % 1000 == 0 ? QStringLiteral("%1 s").arg(ms / 1000)
                              : QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 1);
    const qint64 s = ms / 1000;
    if (s < 3600)
        return s % 60 ? QStringLiteral("%1 min %2 s").arg(s / 60).arg(s % 60)
                      : QStringLiteral("%1 min").arg(s / 60);
    if (s < 86400)
        return (s % 3600) / 60 ? QStringLiteral("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60)
                               : QStringLiteral("%1 h").arg(s / 3600);
    return (s % 86400) / 3600 ? QStringLiteral("%1 d %2 h").arg(s / 86400).arg((s % 86400) / 3600)
                              : QStringLiteral("%1 d").arg(s / 86400);
}

QString formatClock(qint64 msSinceEpoch) {
    if (msSinceEpoch <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(msSinceEpoch).toString(QStringLiteral("HH:mm:ss"));
}

} // namespace streamscope
