#include "LiveFilterModel.h"

#include "LiveEventModel.h"

#include <algorithm>

namespace streamscope {

LiveFilterModel::LiveFilterModel(LiveEventModel *source, QObject *parent)
    : QAbstractTableModel(parent)
    , m_source(source) {
    connect(source, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex &, int first, int last) { sourceAboutToRemove(first, last); });
    connect(source, &QAbstractItemModel::rowsRemoved, this, &LiveFilterModel::sourceRemoved);
    connect(source, &QAbstractItemModel::rowsAboutToBeInserted, this,
            [this](const QModelIndex &, int first, int last) { sourceAboutToInsert(first, last); });
    connect(source, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { sourceInserted(first, last); });
    connect(source, &QAbstractItemModel::modelAboutToBeReset, this,
            &LiveFilterModel::beginResetModel);
    connect(source, &QAbstractItemModel::modelReset, this, [this] {
        // Stream keys start again after a clear.
        m_keyAccepted.clear();
        rebuild();
        endResetModel();
    });
}

bool LiveFilterModel::setStreams(QSet<QByteArray> streams) {
    if (streams == m_streams)
        return false;
    beginResetModel();
    m_streams = std::move(streams);
    m_keyAccepted.clear();
    rebuild();
    endResetModel();
    return true;
}

bool LiveFilterModel::accepts(const QByteArray &stream) const {
    return m_streams.isEmpty() || m_streams.contains(stream);
}

bool LiveFilterModel::acceptsKey(quint32 key) const {
    if (key >= m_keyAccepted.size())
        m_keyAccepted.resize(size_t(key) + 1, -1);
    qint8 &known = m_keyAccepted[key];
    if (known < 0)
        known = m_streams.contains(m_source->rows().streamNames().at(key)) ? 1 : 0;
    return known;
}

void LiveFilterModel::rebuild() {
    m_numbers.clear();
    if (!filtering())
        return;
    const PackedRows &rows = m_source->rows();
    const int count = m_source->rowCount();
    for (int row = 0; row < count; ++row)
        if (acceptsKey(rows.streamKey(row)))
            m_numbers.push_back(m_source->rowNumber(row));
}

int LiveFilterModel::sourceRow(int row) const {
    if (!filtering())
        return row;
    if (row < 0 || size_t(row) >= m_numbers.size())
        return -1;
    return int(m_numbers[size_t(row)] - m_source->rowNumber(0));
}

int LiveFilterModel::rowOf(int sourceRow) const {
    if (!filtering())
        return sourceRow;
    const qint64 number = m_source->rowNumber(sourceRow);
    const auto it = std::lower_bound(m_numbers.cbegin(), m_numbers.cend(), number);
    return it != m_numbers.cend() && *it == number ? int(it - m_numbers.cbegin()) : -1;
}

void LiveFilterModel::sourceAboutToRemove(int first, int last) {
    m_change = Change::Remove;
    if (!filtering()) {
        m_removeCount = last - first + 1;
        beginRemoveRows({}, first, last);
        return;
    }
    const auto from =
        std::lower_bound(m_numbers.cbegin(), m_numbers.cend(), m_source->rowNumber(first));
    const auto to = std::upper_bound(from, m_numbers.cend(), m_source->rowNumber(last));
    m_removeCount = to - from;
    if (m_removeCount > 0) {
        m_removeAt = from - m_numbers.cbegin();
        beginRemoveRows({}, int(m_removeAt), int(m_removeAt + m_removeCount) - 1);
    }
}

void LiveFilterModel::sourceRemoved() {
    if (m_change != Change::Remove)
        return;
    m_change = Change::None;
    if (m_removeCount == 0)
        return;
    if (filtering()) // the live model removes at the front: erasing there shifts nothing
        m_numbers.erase(m_numbers.begin() + m_removeAt,
                        m_numbers.begin() + m_removeAt + m_removeCount);
    endRemoveRows();
}

void LiveFilterModel::sourceAboutToInsert(int first, int last) {
    if (filtering())
        return; // which rows pass is known once they are in
    m_change = Change::Insert;
    beginInsertRows({}, first, last);
}

void LiveFilterModel::sourceInserted(int first, int last) {
    if (!filtering()) {
        if (m_change == Change::Insert) {
            m_change = Change::None;
            endInsertRows();
        }
        return;
    }
    const PackedRows &rows = m_source->rows();
    std::vector<qint64> added;
    for (int row = first; row <= last; ++row)
        if (acceptsKey(rows.streamKey(row)))
            added.push_back(m_source->rowNumber(row));
    if (added.empty())
        return;
    const int at = int(m_numbers.size());
    beginInsertRows({}, at, at + int(added.size()) - 1);
    m_numbers.insert(m_numbers.end(), added.cbegin(), added.cend());
    endInsertRows();
}

int LiveFilterModel::rowCount(const QModelIndex &parent) const {
    if (parent.isValid())
        return 0;
    return filtering() ? int(m_numbers.size()) : m_source->rowCount();
}

int LiveFilterModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : m_source->columnCount();
}

QVariant LiveFilterModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    return m_source->data(m_source->index(sourceRow(index.row()), index.column()), role);
}

QVariant LiveFilterModel::headerData(int section, Qt::Orientation orientation, int role) const {
    return m_source->headerData(section, orientation, role);
}

} // namespace streamscope
