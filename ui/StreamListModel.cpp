#include "StreamListModel.h"

#include "Wording.h"

#include "ValueFormat.h"

#include <QDateTime>
#include <QPalette>

namespace streamscope {

StreamListModel::StreamListModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int StreamListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_streams.size());
}

int StreamListModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StreamInfo &s = m_streams.at(index.row());
    // A stream the ACL user may not read: its name only, every figure unknown (not 0).
    const bool forbidden = !s.noAccess.isEmpty();
    if (forbidden && role == Qt::DisplayRole && index.column() == LengthColumn)
        return tr("no permission");
    if (forbidden && role == Qt::DisplayRole
        && (index.column() == LastIdColumn || index.column() == RateColumn))
        return QStringLiteral("-");
    if (forbidden && role == Qt::ForegroundRole && index.column() != NameColumn)
        return QPalette().brush(QPalette::Disabled, QPalette::Text);
    if (forbidden && role == Qt::ToolTipRole)
        return tr("%1\nThe ACL user may not read this stream: %2")
            .arg(valueformat::displayText(s.name), s.noAccess);
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case NameColumn:
            return valueformat::singleLine(s.name, 120);
        case LengthColumn:
            return formatCount(s.length);
        case LastIdColumn:
            return s.lastEntryId ? s.lastEntryId->toString() : QStringLiteral("-");
        case RateColumn:
            if (m_stale || !m_rates.contains(s.name))
                return QStringLiteral("-");
            return formatRate(m_rates.value(s.name), 1);
        case NodeColumn:
            return s.node;
        case SlotColumn:
            return s.slot >= 0 ? QString::number(s.slot) : QString();
        }
    } else if (role == Qt::ForegroundRole && m_stale && index.column() != NameColumn) {
        // Figures the server has not confirmed since: greyed (the tooltip says since when).
        return QPalette().brush(QPalette::Disabled, QPalette::Text);
    } else if (role == Qt::TextAlignmentRole) {
        if (index.column() == LengthColumn || index.column() == RateColumn
            || index.column() == SlotColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::ToolTipRole) {
        QString tip =
            tr("%1\n%2, %3\nlast ID %4")
                .arg(valueformat::displayText(s.name), countOf(s.length, "entry", "entries"),
                     countOf(s.groups, "consumer group", "consumer groups"),
                     s.lastGeneratedId.toString());
        if (!s.node.isEmpty())
            tip += s.slot >= 0 ? tr("\non %1, slot %2").arg(s.node).arg(s.slot)
                               : tr("\non %1").arg(s.node);
        if (!s.detailsCurrent)
            tip += s.detailsAtMs > 0
                       ? tr("\n(last ID and groups as of %1: the stream changed since)")
                             .arg(QDateTime::fromMSecsSinceEpoch(s.detailsAtMs)
                                      .toString(QStringLiteral("HH:mm:ss")))
                       : tr("\n(last ID and groups unknown)");
        if (m_stale)
            tip += QLatin1Char('\n') + m_freshness.describe();
        return tip;
    } else if (role == NameRole) {
        return s.name;
    }
    return {};
}

QVariant StreamListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case NameColumn:
            return tr("Stream");
        case LengthColumn:
            return tr("Length");
        case LastIdColumn:
            return tr("Last ID");
        case RateColumn:
            return tr("Events/s");
        case NodeColumn:
            return tr("Node");
        case SlotColumn:
            return tr("Slot");
        }
    } else if (role == Qt::ToolTipRole && section == RateColumn) {
        return tr("Entries added per second between the last two polls");
    } else if (role == Qt::ToolTipRole && section == NodeColumn) {
        return tr("The cluster node (primary) that holds the stream");
    } else if (role == Qt::ToolTipRole && section == SlotColumn) {
        return tr("The stream's hash slot (0-16383)");
    }
    return {};
}

void StreamListModel::setStreams(const StreamInfoList &streams, qint64 nowMs) {
    m_stale = false;
    for (const StreamInfo &s : streams) {
        // entries-added counts what a capped stream adds; it is current only with the details.
        const bool added = s.entriesAdded && s.detailsCurrent;
        const qint64 count = added ? *s.entriesAdded : s.length;
        const auto previous = m_samples.constFind(s.name);
        if (previous != m_samples.cend() && nowMs > previous->atMs && previous->added == added)
            m_rates[s.name] = qMax(0.0, double(count - previous->count) * 1000.0
                                            / double(nowMs - previous->atMs));
        m_samples[s.name] = {nowMs, count, added};
    }

    // Same names in the same order (the common case): update in place.
    bool sameRows = streams.size() == m_streams.size();
    for (qsizetype i = 0; sameRows && i < streams.size(); ++i)
        sameRows = streams.at(i).name == m_streams.at(i).name;
    if (sameRows) {
        m_streams = streams;
        if (!m_streams.isEmpty())
            Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    m_streams = streams;
    endResetModel();
}

void StreamListModel::setFreshness(const Freshness &freshness) {
    const bool reasonChanged = freshness.reason != m_freshness.reason;
    m_freshness = freshness;
    setStale(freshness.state == Freshness::State::Stale);
    if (reasonChanged && m_stale && !m_streams.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::ToolTipRole});
}

void StreamListModel::setStale(bool stale) {
    if (stale == m_stale)
        return;
    m_stale = stale;
    if (!m_streams.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

QList<QByteArray> StreamListModel::names() const {
    QList<QByteArray> out;
    for (const StreamInfo &s : m_streams)
        out.append(s.name);
    return out;
}

} // namespace streamscope
