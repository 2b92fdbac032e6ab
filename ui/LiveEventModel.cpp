#include "LiveEventModel.h"

#include "ValueFormat.h"

#include <QFontDatabase>

namespace streamscope {

LiveEventModel::LiveEventModel(QObject *parent)
    : QAbstractTableModel(parent) {
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(33);
    connect(&m_flushTimer, &QTimer::timeout, this, &LiveEventModel::flush);
}

void LiveEventModel::setRowCap(int cap) {
    m_cap = qMax(1, cap);
    flush();
    if (m_rows.size() > m_cap) {
        const int excess = int(m_rows.size()) - m_cap;
        beginRemoveRows({}, 0, excess - 1);
        m_rows.remove(0, excess);
        m_dropped += excess;
        endRemoveRows();
    }
}

int LiveEventModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

int LiveEventModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LiveEventModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const StreamEntry &e = m_rows.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return e.id.timeText(QStringLiteral("HH:mm:ss.zzz"));
        case StreamColumn:
            return valueformat::singleLine(e.stream, 80);
        case IdColumn:
            return e.id.toString();
        case FieldsColumn:
            return valueformat::entrySummary(e, 300);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return e.id.timeText(Qt::ISODateWithMs);
        break;
    case Qt::FontRole:
        if (index.column() == IdColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case EntryRole:
        return QVariant::fromValue(e);
    case StreamNameRole:
        return e.stream;
    }
    return {};
}

QVariant LiveEventModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case TimeColumn:
            return tr("Time");
        case StreamColumn:
            return tr("Stream");
        case IdColumn:
            return tr("ID");
        case FieldsColumn:
            return tr("Fields");
        }
    } else if (role == Qt::ToolTipRole && section == TimeColumn) {
        return tr("When the entry was added, from the milliseconds part of its ID");
    }
    return {};
}

void LiveEventModel::appendBatch(const StreamEntryList &batch) {
    m_pending.append(batch);
    // Never buffer more than fits: older pending entries would be dropped at flush anyway.
    if (m_pending.size() > m_cap) {
        const qsizetype excess = m_pending.size() - m_cap;
        m_pending.remove(0, excess);
        m_dropped += excess;
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void LiveEventModel::flush() {
    m_flushTimer.stop();
    if (m_pending.isEmpty())
        return;
    const int incoming = int(m_pending.size());
    const int overflow = int(m_rows.size()) + incoming - m_cap;
    if (overflow > 0) {
        const int remove = qMin(overflow, int(m_rows.size()));
        beginRemoveRows({}, 0, remove - 1);
        m_rows.remove(0, remove);
        endRemoveRows();
        m_dropped += remove;
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + incoming - 1);
    m_rows.append(std::move(m_pending));
    endInsertRows();
    m_pending = {};
    Q_EMIT flushed(incoming);
}

void LiveEventModel::clear() {
    m_flushTimer.stop();
    beginResetModel();
    m_rows.clear();
    m_pending.clear();
    endResetModel();
}

} // namespace streamscope
