// SPDX-License-Identifier: LGPL-2.1-or-later
// The C API (ihklib.h) over the C++ core: argument checks, conversions, and the
// thread's last error message.
#include <ihklib.h>

#include <ihk/device.h>

#include <cerrno>
#include <cstring>
#include <functional>

namespace {

thread_local std::string t_last_error;

int fail(const ihk::Error& e)
{
    t_last_error = e.message;
    return -(e.code ? e.code : EIO);
}

int fail(int code, std::string message) { return fail(ihk::make_error(code, std::move(message))); }

template <typename T>
int done(const ihk::Result<T>& r)
{
    return r ? 0 : fail(r.error());
}

// A (pointer, count) pair from C: count 0..max and a pointer when count > 0.
bool bad_array(const void* p, int n, const char* what)
{
    if (n < 0 || (n > 0 && !p)) {
        fail(EINVAL, std::string(what) + ": count " + std::to_string(n) + " or pointer is invalid");
        return true;
    }
    return false;
}

ihk::Result<std::vector<uint32_t>> to_cpus(const int* cpus, int n)
{
    std::vector<uint32_t> out;
    for (int i = 0; i < n; i++) {
        if (cpus[i] < 0)
            return ihk::make_error(EINVAL, "CPU " + std::to_string(cpus[i]) + " is negative");
        out.push_back(static_cast<uint32_t>(cpus[i]));
    }
    return out;
}

std::vector<ihk::MemChunk> to_chunks(const ihk_mem_chunk* c, int n)
{
    std::vector<ihk::MemChunk> out;
    for (int i = 0; i < n; i++)
        out.push_back({c[i].size == IHK_MEM_CHUNK_ALL ? ihk::MEM_ALL : c[i].size, c[i].numa_node_number});
    return out;
}

template <typename Handle>
ihk::Result<Handle> open_handle(int index)
{
    return Handle::open(index);
}

// Open the device or OS, run @fn on it, map the result to 0 / -errno.
template <typename Handle, typename Fn>
int with(int index, Fn fn)
{
    auto h = open_handle<Handle>(index);
    if (!h)
        return fail(h.error());
    return fn(*h);
}

template <typename Handle>
int cpu_call(int index, int* cpus, int n, ihk::Result<void> (Handle::*op)(const std::vector<uint32_t>&))
{
    if (bad_array(cpus, n, "CPU list"))
        return -EINVAL;
    auto list = to_cpus(cpus, n);
    if (!list)
        return fail(list.error());
    return with<Handle>(index, [&](Handle& h) { return done((h.*op)(*list)); });
}

template <typename Handle>
int mem_call(int index, ihk_mem_chunk* c, int n, ihk::Result<void> (Handle::*op)(const std::vector<ihk::MemChunk>&))
{
    if (bad_array(c, n, "memory chunk list"))
        return -EINVAL;
    return with<Handle>(index, [&](Handle& h) { return done((h.*op)(to_chunks(c, n))); });
}

// Copy up to @n query results into @out; return how many exist (or -errno).
template <typename Handle, typename Item, typename Out, typename Conv>
int query_call(int index, Out* out, int n, ihk::Result<std::vector<Item>> (Handle::*op)(), Conv conv)
{
    if (bad_array(out, n, "output array"))
        return -EINVAL;
    return with<Handle>(index, [&](Handle& h) {
        auto items = (h.*op)();
        if (!items)
            return fail(items.error());
        for (size_t i = 0; i < items->size() && i < static_cast<size_t>(n); i++)
            out[i] = conv((*items)[i]);
        return static_cast<int>(items->size());
    });
}

int cpu_of(const ihk::CpuInfo& c) { return static_cast<int>(c.cpu); }
ihk_mem_chunk chunk_of(const ihk::MemExtent& e) { return {e.size, e.numa_node}; }

} // namespace

extern "C" {

const char* ihk_last_error(void) { return t_last_error.c_str(); }

int ihk_reserve_cpu(int index, int* cpus, int n) { return cpu_call(index, cpus, n, &ihk::Device::reserve_cpus); }
int ihk_release_cpu(int index, int* cpus, int n) { return cpu_call(index, cpus, n, &ihk::Device::release_cpus); }
int ihk_query_cpu(int index, int* cpus, int n) { return query_call(index, cpus, n, &ihk::Device::query_cpus, cpu_of); }
int ihk_get_num_reserved_cpus(int index) { return ihk_query_cpu(index, nullptr, 0); }

int ihk_reserve_mem(int index, ihk_mem_chunk* c, int n) { return mem_call(index, c, n, &ihk::Device::reserve_mem); }
int ihk_release_mem(int index, ihk_mem_chunk* c, int n) { return mem_call(index, c, n, &ihk::Device::release_mem); }
int ihk_query_mem(int index, ihk_mem_chunk* c, int n) { return query_call(index, c, n, &ihk::Device::query_mem, chunk_of); }
int ihk_get_num_reserved_mem_chunks(int index) { return ihk_query_mem(index, nullptr, 0); }

int ihk_create_os(int index)
{
    return with<ihk::Device>(index, [](ihk::Device& d) {
        auto os = d.create_os();
        return os ? *os : fail(os.error());
    });
}

int ihk_destroy_os(int dev_index, int os_index)
{
    return with<ihk::Device>(dev_index, [&](ihk::Device& d) { return done(d.destroy_os(os_index)); });
}

int ihk_get_os_instances(int index, int* indices, int n)
{
    return query_call(index, indices, n, &ihk::Device::os_instances, [](int i) { return i; });
}
int ihk_get_num_os_instances(int index) { return ihk_get_os_instances(index, nullptr, 0); }

int ihk_os_assign_cpu(int index, int* cpus, int n) { return cpu_call(index, cpus, n, &ihk::Os::assign_cpus); }
int ihk_os_release_cpu(int index, int* cpus, int n) { return cpu_call(index, cpus, n, &ihk::Os::release_cpus); }
int ihk_os_query_cpu(int index, int* cpus, int n) { return query_call(index, cpus, n, &ihk::Os::query_cpus, cpu_of); }
int ihk_os_get_num_assigned_cpus(int index) { return ihk_os_query_cpu(index, nullptr, 0); }

int ihk_os_assign_mem(int index, ihk_mem_chunk* c, int n) { return mem_call(index, c, n, &ihk::Os::assign_mem); }
int ihk_os_release_mem(int index, ihk_mem_chunk* c, int n) { return mem_call(index, c, n, &ihk::Os::release_mem); }
int ihk_os_query_mem(int index, ihk_mem_chunk* c, int n) { return query_call(index, c, n, &ihk::Os::query_mem, chunk_of); }
int ihk_os_get_num_assigned_mem_chunks(int index) { return ihk_os_query_mem(index, nullptr, 0); }

int ihk_os_set_ikc_map(int index, ihk_ikc_cpu_map* map, int n)
{
    if (bad_array(map, n, "IKC map"))
        return -EINVAL;
    std::vector<ihk::IkcPair> pairs;
    for (int i = 0; i < n; i++) {
        if (map[i].src_cpu < 0 || map[i].dst_cpu < 0)
            return fail(EINVAL, "IKC map entry " + std::to_string(i) + " has a negative CPU");
        pairs.push_back({static_cast<uint32_t>(map[i].src_cpu), static_cast<uint32_t>(map[i].dst_cpu)});
    }
    return with<ihk::Os>(index, [&](ihk::Os& os) { return done(os.set_ikc_map(pairs)); });
}

int ihk_os_get_ikc_map(int index, ihk_ikc_cpu_map* map, int n)
{
    return query_call(index, map, n, &ihk::Os::ikc_map, [](const ihk::IkcPair& p) {
        return ihk_ikc_cpu_map{static_cast<int>(p.lwk_cpu), static_cast<int>(p.linux_cpu)};
    });
}
int ihk_os_get_num_ikc_map(int index) { return ihk_os_get_ikc_map(index, nullptr, 0); }

int ihk_os_kargs(int index, char* kargs)
{
    if (!kargs)
        return fail(EINVAL, "kernel arguments pointer is NULL");
    return with<ihk::Os>(index, [&](ihk::Os& os) { return done(os.set_kargs(kargs)); });
}

int ihk_os_get_kargs(int index, char* kargs, int size)
{
    if (bad_array(kargs, size, "kernel arguments buffer") || size == 0)
        return -EINVAL;
    return with<ihk::Os>(index, [&](ihk::Os& os) {
        auto k = os.kargs();
        if (!k)
            return fail(k.error());
        if (k->size() >= static_cast<size_t>(size))
            return fail(ENOSPC, "kernel arguments need " + std::to_string(k->size() + 1) + " bytes");
        std::memcpy(kargs, k->c_str(), k->size() + 1);
        return 0;
    });
}

int ihk_os_get_status(int index)
{
    return with<ihk::Os>(index, [](ihk::Os& os) {
        auto s = os.status();
        return s ? static_cast<int>(*s) : fail(s.error());
    });
}

} // extern "C"
