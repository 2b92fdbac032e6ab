#include "StreamListModel.h"

#include "Wording.h"

#include "ValueFormat.h"

#include <QDateTime>
#include <QPalette>

#include <algorithm>

namespace streamscope {

StreamListModel::StreamListModel(QObject *parent)
    : QAbstractTableModel(parent) {}

int StreamListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int StreamListModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StreamListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QByteArray &name = m_rows.at(index.row());
    if (role == NameRole)
        return name;
    const bool watched = m_current.contains(name);
    if (role == WatchedRole)
        return watched;
    const auto known = m_info.constFind(name);
    if (known == m_info.cend()) {
        // Listed, never watched: its name only; the figures are asked while it is in view.
        if (role == Qt::DisplayRole)
            return index.column() == NameColumn ? QVariant(valueformat::singleLine(name, 120))
                                                : QVariant(QStringLiteral("-"));
        if (role == Qt::ForegroundRole && index.column() != NameColumn)
            return QPalette().brush(QPalette::Disabled, QPalette::Text);
        if (role == Qt::TextAlignmentRole && index.column() != NameColumn
            && index.column() != NodeColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        if (role == Qt::ToolTipRole)
            return tr("%1\nNot watched yet: its length and groups are asked while it is in view "
                      "or selected.")
                .arg(valueformat::displayText(name));
        return {};
    }
    const StreamInfo &s = known.value();
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
            if (m_stale || !watched || !m_rates.contains(s.name))
                return QStringLiteral("-");
            return formatRate(m_rates.value(s.name), 1);
        case NodeColumn:
            return s.node;
        case SlotColumn:
            return s.slot >= 0 ? QString::number(s.slot) : QString();
        }
    } else if (role == Qt::ForegroundRole && (m_stale || !watched)
               && index.column() != NameColumn) {
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
        if (!watched)
            tip += tr("\n(as of %1: not watched now; asked again while in view or selected)")
                       .arg(QDateTime::fromMSecsSinceEpoch(m_infoAtMs.value(name))
                                .toString(QStringLiteral("HH:mm:ss")));
        else if (!s.detailsCurrent)
            tip += s.detailsAtMs > 0
                       ? tr("\n(last ID and groups as of %1: the stream changed since)")
                             .arg(QDateTime::fromMSecsSinceEpoch(s.detailsAtMs)
                                      .toString(QStringLiteral("HH:mm:ss")))
                       : tr("\n(last ID and groups unknown)");
        if (m_stale)
            tip += QLatin1Char('\n') + m_freshness.describe();
        return tip;
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

void StreamListModel::updateRates(const StreamInfoList &streams, qint64 nowMs) {
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
}

void StreamListModel::reindex() {
    m_rowOf.clear();
    m_rowOf.reserve(m_rows.size());
    for (int i = 0; i < int(m_rows.size()); ++i)
        m_rowOf.insert(m_rows.at(i), i);
}

void StreamListModel::allChanged(const QList<int> &roles) {
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), roles);
}

void StreamListModel::setStreams(const StreamInfoList &streams, qint64 nowMs) {
    m_stale = false;
    m_paged = false;
    updateRates(streams, nowMs);
    QList<QByteArray> names;
    names.reserve(streams.size());
    m_info.clear();
    m_current.clear();
    for (const StreamInfo &s : streams) {
        names.append(s.name);
        m_info.insert(s.name, s);
        m_infoAtMs.insert(s.name, nowMs);
        m_current.insert(s.name);
    }
    // Same names in the same order (the common case): update in place.
    if (names == m_rows) {
        allChanged();
        return;
    }
    beginResetModel();
    m_rows = names;
    reindex();
    endResetModel();
}

void StreamListModel::clear() {
    beginResetModel();
    m_paged = true;
    m_started = false;
    m_complete = false;
    m_fetching = false;
    m_rows.clear();
    m_rowOf.clear();
    m_info.clear();
    m_infoAtMs.clear();
    m_current.clear();
    m_samples.clear();
    m_rates.clear();
    endResetModel();
}

void StreamListModel::applyPage(const StreamCatalogPage &page) {
    if (!page.reset && page.generation != m_generation)
        return; // a page of the filter before: the new one's first page resets
    m_paged = true;
    m_fetching = false;
    m_generation = page.generation;
    m_complete = page.complete;
    if (page.reset) {
        beginResetModel();
        m_started = true;
        m_rows = page.added;
        reindex();
        endResetModel();
        return;
    }
    bool removed = false;
    for (const QByteArray &name : page.removed) {
        const int row = int(m_rows.indexOf(name));
        if (row < 0)
            continue;
        beginRemoveRows({}, row, row);
        m_rows.removeAt(row);
        endRemoveRows();
        m_info.remove(name);
        m_current.remove(name);
        removed = true;
    }
    if (removed)
        reindex();
    if (page.added.isEmpty())
        return;
    if (page.sorted) {
        // The whole list in name order (a small server): each new name where it belongs.
        for (const QByteArray &name : page.added) {
            if (m_rowOf.contains(name))
                continue;
            const int row =
                int(std::lower_bound(m_rows.cbegin(), m_rows.cend(), name) - m_rows.cbegin());
            beginInsertRows({}, row, row);
            m_rows.insert(row, name);
            endInsertRows();
            reindex();
        }
        return;
    }
    QList<QByteArray> fresh;
    for (const QByteArray &name : page.added)
        if (!m_rowOf.contains(name))
            fresh.append(name);
    if (fresh.isEmpty())
        return;
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(fresh.size()) - 1);
    for (const QByteArray &name : std::as_const(fresh)) {
        m_rowOf.insert(name, int(m_rows.size()));
        m_rows.append(name);
    }
    endInsertRows();
}

void StreamListModel::setFigures(const StreamInfoList &streams, qint64 nowMs) {
    m_stale = false;
    updateRates(streams, nowMs);
    m_current.clear();
    for (const StreamInfo &s : streams) {
        m_info.insert(s.name, s);
        m_infoAtMs.insert(s.name, nowMs);
        m_current.insert(s.name);
    }
    // The last figures of rows no longer watched stay (greyed, dated) for a while; beyond a
    // bound the oldest go, so that scrolling through 100,000 rows does not keep them all.
    constexpr int keep = 5000;
    if (m_info.size() > keep) {
        for (auto it = m_info.begin(); it != m_info.end();) {
            if (m_current.contains(it.key())) {
                ++it;
                continue;
            }
            m_infoAtMs.remove(it.key());
            m_samples.remove(it.key());
            m_rates.remove(it.key());
            it = m_info.erase(it);
        }
    }
    allChanged();
}

bool StreamListModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && hasMore() && !m_fetching;
}

void StreamListModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent))
        return;
    m_fetching = true; // one page at a time: the next is asked when this one came
    Q_EMIT moreWanted();
}

void StreamListModel::setFreshness(const Freshness &freshness) {
    const bool reasonChanged = freshness.reason != m_freshness.reason;
    m_freshness = freshness;
    setStale(freshness.state == Freshness::State::Stale);
    if (reasonChanged && m_stale)
        allChanged({Qt::ToolTipRole});
}

void StreamListModel::setStale(bool stale) {
    if (stale == m_stale)
        return;
    m_stale = stale;
    allChanged();
}

} // namespace streamscope
