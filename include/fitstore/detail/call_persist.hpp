// Internal to archive.hpp: how an archive finds a type's persist(), member or
// free function found by ADL, and the static_assert that names both when a
// type has neither.
#pragma once

#include <type_traits>
#include <utility>

namespace fitstore::detail {

template <class A, class T, class = void>
struct has_member_persist : std::false_type {};
template <class A, class T>
struct has_member_persist<A, T, std::void_t<decltype(std::declval<T&>().persist(std::declval<A&>()))>>
    : std::true_type {};

template <class A, class T, class = void>
struct has_free_persist : std::false_type {};
template <class A, class T>
struct has_free_persist<A, T, std::void_t<decltype(persist(std::declval<A&>(), std::declval<T&>()))>>
    : std::true_type {};

template <class A, class T>
void call_persist(A& ar, T& value) {
    static_assert(has_member_persist<A, T>::value || has_free_persist<A, T>::value,
                  "fitstore: this type cannot be persisted. Provide either a member "
                  "`template <class Archive> void persist(Archive& ar)` or a free function "
                  "`template <class Archive> void persist(Archive& ar, T& value)` found by ADL.");
    if constexpr (has_member_persist<A, T>::value)
        value.persist(ar);
    else
        persist(ar, value);
}

}  // namespace fitstore::detail
