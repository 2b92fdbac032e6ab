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
    if (m_shown > m_cap) {
        const int excess = m_shown - m_cap;
        beginRemoveRows({}, 0, excess - 1);
        m_rows.dropFront(excess);
        m_shown -= excess;
        m_firstNumber += excess;
        m_dropped += excess;
        endRemoveRows();
    }
}

int LiveEventModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : m_shown;
}

int LiveEventModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LiveEventModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    // Only the rows a view paints get here: their strings are made now, from the packed bytes.
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TimeColumn:
            return m_rows.id(row).timeText(QStringLiteral("HH:mm:ss.zzz"));
        case StreamColumn:
            return valueformat::singleLine(m_rows.stream(row), 80);
        case IdColumn:
            return m_rows.id(row).toString();
        case FieldsColumn:
            return valueformat::entrySummary(m_rows.entry(row), 300);
        }
        break;
    case Qt::ToolTipRole:
        if (index.column() == TimeColumn)
            return m_rows.id(row).timeText(Qt::ISODateWithMs);
        break;
    case Qt::FontRole:
        if (index.column() == IdColumn)
            return QFontDatabase::systemFont(QFontDatabase::FixedFont);
        break;
    case EntryRole:
        return QVariant::fromValue(m_rows.entry(row));
    case StreamNameRole:
        return m_rows.stream(row);
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
    m_rows.append(batch);
    pendingAdded();
}

void LiveEventModel::appendRows(const PackedRows &rows) {
    // Only the newest cap rows could stay.
    for (qsizetype row = qMax<qsizetype>(0, rows.size() - m_cap); row < rows.size(); ++row)
        m_rows.append(rows, row);
    pendingAdded();
}

void LiveEventModel::pendingAdded() {
    // Never more pending than fits: at the cap they are shown at once, which drops what they
    // replace (older pending entries would be dropped at the flush anyway).
    if (m_rows.size() - m_shown >= m_cap)
        flush();
    else if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void LiveEventModel::flush() {
    m_flushTimer.stop();
    if (m_rows.size() == m_shown)
        return;
    const qsizetype overflow = m_rows.size() - m_cap;
    if (overflow > 0) {
        // Rows shown leave in one block; pending rows past the cap are dropped unseen.
        const int remove = int(qMin<qsizetype>(overflow, m_shown));
        if (remove > 0) {
            beginRemoveRows({}, 0, remove - 1);
            m_rows.dropFront(remove);
            m_shown -= remove;
            m_firstNumber += remove;
            endRemoveRows();
        }
        m_rows.dropFront(overflow - remove);
        m_firstNumber += overflow - remove;
        m_dropped += overflow;
    }
    const int incoming = int(m_rows.size()) - m_shown;
    beginInsertRows({}, m_shown, m_shown + incoming - 1);
    m_shown += incoming;
    endInsertRows();
    Q_EMIT flushed(incoming);
}

void LiveEventModel::clear() {
    m_flushTimer.stop();
    beginResetModel();
    m_rows.clear();
    m_shown = 0;
    m_firstNumber = 0;
    endResetModel();
}

} // namespace streamscope
